/**
 * A `controlledEvaluate` item option asking for the model's own next-token probabilities: the
 * `topK` most likely (0 = the whole vocabulary), at temperature 1 and without top-p or min-p,
 * whose defaults (top-k 40, top-p 0.95) would truncate and renormalize them. Greedy decoding only
 * needs the argmax, so these are the numbers that show how close a choice was.
 */
export function rawProbabilities(topK: number) {
  return { generateNext: { probabilities: true, options: { temperature: 1, topK, topP: 1, minP: 0, seed: 0 } } } as const;
}
