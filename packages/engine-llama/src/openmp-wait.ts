/**
 * Keeps OpenMP's workers spinning between the engine's evaluations instead of sleeping
 * (libgomp's OMP_WAIT_POLICY=active: they spin for up to 30 million rounds before they sleep, so
 * through a generation they never do, and a few dozen milliseconds after it they do). Each token
 * is one parallel region; a worker that went to sleep in the few milliseconds of JavaScript,
 * socket writes and client work between two tokens has to be woken for the next.
 *
 * Measured through `spark serve` on 2 cores, SmolLM2, 256-token decodes, several servers up at
 * once and their requests alternating (5 rounds each): active 87.5 against the default's 79.4
 * and 77.1 tok/s (medians) in one run, 69.4 and 70.9 against 63.5 and 67.6 in another, on a
 * noisy machine. A spin count of 1,000 to 300,000 (GOMP_SPINCOUNT) measured no different from
 * the default (68.6-71.5 in one run); passive (no spinning) was slower (56).
 */
export const OPENMP_WAIT_POLICY = 'active';

/**
 * Sets OMP_WAIT_POLICY unless the user chose a wait policy or spin count. libgomp reads it
 * once, when the first llama.cpp binary loads, so this runs before node-llama-cpp loads one;
 * inert for the prebuilt binaries (no OpenMP). libgomp itself shortens the spin when there are
 * more threads than cores.
 */
export function tuneOpenMpWait(env: NodeJS.ProcessEnv = process.env): void {
  if (env['GOMP_SPINCOUNT'] === undefined && env['OMP_WAIT_POLICY'] === undefined) env['OMP_WAIT_POLICY'] = OPENMP_WAIT_POLICY;
}
