export { APPLY_PATCH_LARK } from './apply-patch-lark.js';
export { LONG_EXACT_BATCHES, longExactBatches } from './long-exact-batches.js';
