/** The keyboard map, always in sight (the app works without a mouse). */
export function HelpLine({ running }: { running: boolean }) {
  return (
    <p class="help" data-testid="help-line">
      <kbd>Enter</kbd> {running ? 'steer' : 'send'} · <kbd>Shift+Enter</kbd> new line · <kbd>Tab</kbd> queue · <kbd>Esc</kbd> stop ·{' '}
      <kbd>↑</kbd> edit queued · <kbd>Alt+Y</kbd>/<kbd>Alt+S</kbd>/<kbd>Alt+D</kbd> approve/for session/deny · <kbd>Alt+U</kbd> undo ·{' '}
      <kbd>Alt+N</kbd> new thread · <kbd>Alt+T</kbd> threads · <kbd>Alt+M</kbd> model · <kbd>Alt+K</kbd> composer
    </p>
  );
}
