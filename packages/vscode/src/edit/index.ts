// The editor's pure edit path (no `vscode` import), built for Node by tsconfig.edit.json so the
// bench times the same request, stream reading (@spark/client over HTTP) and hunk drawing the
// extension runs.
export { applyHunks, computeHunks, splitLines, streamingHunks, type EditHunk } from './edit-hunks.js';
export { proposalHunks, proposedRegion, type EditProposal } from './edit-proposal.js';
export { editSelectionRequest, rewrittenSelection, type EditSelectionInput } from './edit-request.js';
export { EDIT_REDRAW_MS, streamRewrite, type RewriteStreamOptions, type RewriteStreamResult } from './stream-rewrite.js';
export { serverModel } from './server-model.js';
