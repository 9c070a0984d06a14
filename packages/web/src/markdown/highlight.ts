import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';

// The core plus the languages a coding assistant mostly shows: the full bundle is ~10x larger.
const LANGUAGES = { bash, css, diff, go, javascript, json, python, rust, typescript, xml } as const;
for (const [name, language] of Object.entries(LANGUAGES)) hljs.registerLanguage(name, language);
hljs.registerAliases(['sh', 'shell', 'zsh', 'console'], { languageName: 'bash' });
hljs.registerAliases(['ts', 'tsx', 'mts', 'cts'], { languageName: 'typescript' });
hljs.registerAliases(['js', 'jsx', 'mjs', 'cjs'], { languageName: 'javascript' });
hljs.registerAliases(['html', 'svg', 'xhtml'], { languageName: 'xml' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['rs'], { languageName: 'rust' });
hljs.registerAliases(['patch'], { languageName: 'diff' });

/** Longest code block that is highlighted; longer ones are shown plain (highlighting is superlinear on some grammars). */
export const MAX_HIGHLIGHT_CHARS = 100_000;

/** HTML of `code` highlighted as `language` (a fence's info word), or escaped plain text when the language is not registered. */
export function highlightCode(code: string, language: string): string {
  const name = language.trim().split(/\s/)[0]?.toLowerCase() ?? '';
  if (name === '' || code.length > MAX_HIGHLIGHT_CHARS || hljs.getLanguage(name) === undefined) return escapeHtml(code);
  return hljs.highlight(code, { language: name, ignoreIllegals: true }).value;
}

/** The language of a file path by its extension ('' when not registered). */
export function languageOfPath(path: string): string {
  const extension = /\.([a-z0-9]+)$/i.exec(path)?.[1]?.toLowerCase() ?? '';
  return extension !== '' && hljs.getLanguage(extension) !== undefined ? extension : '';
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
