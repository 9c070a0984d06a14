export { LONG_EXACT_BATCHES, longExactBatches } from './long-exact-batches.js';
