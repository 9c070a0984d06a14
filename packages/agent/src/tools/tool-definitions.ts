import { APPLY_PATCH_LARK_GRAMMAR } from '@spark/protocol';
import { DEFAULT_LIST_DEPTH, DEFAULT_READ_MAX_BYTES, DEFAULT_READ_MAX_LINES, DEFAULT_SEARCH_MAX_RESULTS, DEFAULT_SHELL_TIMEOUT_MS, MAX_LIST_DEPTH } from './tool-limits.js';

/** A JSON Schema for one scalar tool argument (all the agent's tools need). */
export interface ToolParameterSchema {
  type: 'string' | 'integer' | 'boolean';
  description: string;
}

/** A Responses API `function` tool, as sent in a request's `tools`. */
export interface FunctionToolDefinition {
  type: 'function';
  name: string;
  description: string;
  /**
   * Every property is listed in `required` (as strict mode wants, and as Spark's grammar
   * enforces anyway); the tools read empty values ("" and 0) as "the default".
   */
  strict: true;
  parameters: {
    type: 'object';
    properties: Record<string, ToolParameterSchema>;
    required: string[];
    additionalProperties: false;
  };
}

/** A Responses API `custom` (freeform) tool whose input is constrained by a grammar. */
export interface CustomToolDefinition {
  type: 'custom';
  name: string;
  description: string;
  format: { type: 'grammar'; syntax: 'lark'; definition: string };
}

/** One entry of a request's `tools`. */
export type AgentToolDefinition = FunctionToolDefinition | CustomToolDefinition;

/** The names of the agent's workspace tools, as the model calls them. */
export type WorkspaceToolName = 'read_file' | 'list_dir' | 'search' | 'shell' | 'apply_patch';

function functionTool(name: WorkspaceToolName, description: string, properties: Record<string, ToolParameterSchema>): FunctionToolDefinition {
  return {
    type: 'function',
    name,
    description,
    strict: true,
    parameters: { type: 'object', properties, required: Object.keys(properties), additionalProperties: false },
  };
}

/** Reads a window of lines of a text file. */
export const READ_FILE_TOOL = functionTool(
  'read_file',
  `Read a text file in the workspace. Returns its raw lines (no line numbers) under a header "path (lines a-b of n)", at most ${DEFAULT_READ_MAX_LINES} lines or ${DEFAULT_READ_MAX_BYTES / 1024} KiB per call; use offset to read on. Always read the part of a file you are about to edit.`,
  {
    path: { type: 'string', description: 'File path relative to the workspace root, e.g. "src/index.ts".' },
    offset: { type: 'integer', description: '1-based line to start at; 0 reads from the start.' },
    limit: { type: 'integer', description: `Most lines to return; 0 means up to ${DEFAULT_READ_MAX_LINES}.` },
  },
);

/** Shows a directory as a tree. */
export const LIST_DIR_TOOL = functionTool(
  'list_dir',
  'List a directory of the workspace as an indented tree (directories end with "/"; git-ignored files are hidden). Use it to learn the layout of the project or a folder.',
  {
    path: { type: 'string', description: 'Directory relative to the workspace root; "" for the root.' },
    depth: { type: 'integer', description: `Levels to show, 1 to ${MAX_LIST_DEPTH}; 0 means ${DEFAULT_LIST_DEPTH}.` },
  },
);

/** Searches file contents with a regex. */
export const SEARCH_TOOL = functionTool(
  'search',
  `Search the contents of workspace files with a JavaScript regular expression, like ripgrep (git-ignored, binary and very large files are skipped). Returns "path:line: text" for up to ${DEFAULT_SEARCH_MAX_RESULTS} matching lines. Use it to find definitions and usages before reading files.`,
  {
    pattern: { type: 'string', description: 'JavaScript regular expression matched against each line, e.g. "function parseArgs" or "TODO|FIXME".' },
    path: { type: 'string', description: 'Directory or file to search, relative to the workspace root; "" for the whole workspace.' },
    glob: { type: 'string', description: 'Only search files matching this glob, e.g. "*.ts", "*.{ts,tsx}" or "src/**/*.py"; "" for all files.' },
    case_sensitive: { type: 'boolean', description: 'true to match letter case exactly; false to ignore case.' },
  },
);

/** Runs a shell command. */
export const SHELL_TOOL = functionTool(
  'shell',
  `Run a bash command in the workspace root and get its exit code and output (stdout and stderr together; very long output keeps only its start and end). No input can be typed into it and it is killed after the timeout (default ${DEFAULT_SHELL_TIMEOUT_MS / 1000} s). Prefer read_file, search and list_dir for reading code, and apply_patch for editing files.`,
  {
    command: { type: 'string', description: 'The command line, e.g. "git status --short" or "npm run build".' },
    timeout_ms: { type: 'integer', description: `Timeout in milliseconds; 0 means ${DEFAULT_SHELL_TIMEOUT_MS}.` },
  },
);

export { APPLY_PATCH_LARK_GRAMMAR };

/**
 * The freeform apply_patch tool exactly as Codex CLI defines it
 * (openai/codex `codex-rs/tools/src/apply_patch_tool.rs`, `create_apply_patch_freeform_tool`):
 * models trained with Codex know this name, description and format.
 */
export const APPLY_PATCH_TOOL: CustomToolDefinition = {
  type: 'custom',
  name: 'apply_patch',
  description: 'Use the `apply_patch` tool to edit files. This is a FREEFORM tool, so do not wrap the patch in JSON.',
  format: { type: 'grammar', syntax: 'lark', definition: APPLY_PATCH_LARK_GRAMMAR },
};

/**
 * How to write a patch, for the system prompt: adapted from Codex's apply_patch instructions
 * (openai/codex `APPLY_PATCH_JSON_TOOL_DESCRIPTION` in `codex-rs/tools/src/apply_patch_tool.rs`),
 * shortened for small context windows and with Spark's workspace-relative paths.
 */
export const APPLY_PATCH_INSTRUCTIONS = `## Editing files with apply_patch

Call apply_patch with the patch text itself (not JSON). A patch is an envelope of file operations:

*** Begin Patch
[ one or more file sections ]
*** End Patch

Each file section starts with one of these headers:
*** Add File: <path> - create a file; every following line is a + line with its contents.
*** Delete File: <path> - delete a file; nothing follows.
*** Update File: <path> - change a file; may be followed at once by *** Move to: <new path> to rename it.

An Update File section holds one or more hunks. Each hunk starts with @@, optionally followed by a line that locates it (a class or function header, e.g. "@@ def greet():"). Every line in a hunk starts with one character:
" " (a space) for an unchanged context line, "-" for a line to remove, "+" for a line to add.

- Show 3 lines of context above and below each change, copied exactly from the file (indentation included). If changes are less than 3 lines apart, do not repeat context between them.
- If 3 lines of context do not make the place unique, add an @@ line naming the enclosing class or function; several @@ lines may narrow it further.
- End a hunk that reaches the end of the file with *** End of File.
- Paths are relative to the workspace root, never absolute.
- New lines must start with + even in an added file.

Example:

*** Begin Patch
*** Add File: hello.txt
+Hello world
*** Update File: src/app.py
*** Move to: src/main.py
@@ def greet():
-print("Hi")
+print("Hello, world!")
*** Delete File: obsolete.txt
*** End Patch
`;

/** Every tool the agent offers, in the order it sends them. */
export const WORKSPACE_TOOLS: readonly AgentToolDefinition[] = [READ_FILE_TOOL, LIST_DIR_TOOL, SEARCH_TOOL, SHELL_TOOL, APPLY_PATCH_TOOL];
