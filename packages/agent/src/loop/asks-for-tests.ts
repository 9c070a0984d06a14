/**
 * Whether the user's own words ask for tests or other slow checks this turn: the harness, not
 * the prompt, decides when test commands may run, and this is the "user asked" half of that.
 * Deliberately narrow: mentioning a test file is not asking to run the suite.
 */
export function asksForTests(text: string): boolean {
  return /\b(run|rerun|re-run|execute|start|launch)\b[^.?!\n]{0,40}\b(tests?|test suite|specs?|checks?|typecheck|lint)\b/i.test(text) ||
    /\b(npm|pnpm|yarn|bun) (run )?test\b|\bpytest\b|\bcargo test\b|\bgo test\b|\bmake (test|check)\b/i.test(text);
}
