import DOMPurify from 'dompurify';
import { Marked } from 'marked';
import { escapeHtml, highlightCode } from './highlight.js';
import { isOpenFence } from './markdown-chunks.js';

const marked = new Marked({
  gfm: true,
  breaks: false,
  async: false,
  renderer: {
    code({ text, lang, raw }) {
      // A fence still being written is drawn plain: highlighting a block that grows would redo it every frame.
      const language = lang ?? '';
      const label = language === '' ? '' : `<span class="code-lang">${escapeHtml(language.split(/\s/)[0] ?? '')}</span>`;
      return `<pre class="code">${label}<code class="hljs">${highlightCode(text, isOpenFence(raw) ? '' : language)}</code></pre>\n`;
    },
  },
});

// Links from a model open in a new tab and never reach the opener.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer');
  }
});

// Set once: a config passed to each sanitize call is parsed again on every call (every frame of a stream).
DOMPurify.setConfig({ USE_PROFILES: { html: true } });

/** Safe HTML of a markdown text (model output is untrusted: sanitised after rendering). */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false });
  return DOMPurify.sanitize(html);
}
