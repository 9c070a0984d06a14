/// <reference types="node" />
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isOpenFence, MarkdownChunker, markdownChunks } from './markdown-chunks.js';

test('chunks close at blank lines after the minimum size and join back to the text', () => {
  const text = 'aaaa\n\nbbbb\n\ncc\n\ndd';
  const chunks = markdownChunks(text, 5);
  assert.deepEqual(chunks, ['aaaa\n\n', 'bbbb\n\n', 'cc\n\ndd']);
  assert.equal(chunks.join(''), text);
});

test('a blank line inside a code fence is no boundary', () => {
  const text = '```ts\nconst a = 1;\n\nconst b = 2;\n```\n\nafter';
  const chunks = markdownChunks(text, 1);
  assert.deepEqual(chunks, ['```ts\nconst a = 1;\n\nconst b = 2;\n```\n\n', 'after']);
});

test('appending text never moves an earlier boundary', () => {
  const full = Array.from({ length: 40 }, (_, index) => `paragraph ${index} ${'x'.repeat(index * 7)}\n\n`).join('') + '```\ncode\n\n```\n';
  let previous: string[] = [];
  for (let end = 1; end <= full.length; end += 13) {
    const chunks = markdownChunks(full.slice(0, end), 60);
    assert.deepEqual(chunks.slice(0, previous.length - 1), previous.slice(0, -1));
    previous = chunks;
  }
});

test('short and empty texts are one chunk', () => {
  assert.deepEqual(markdownChunks(''), ['']);
  assert.deepEqual(markdownChunks('hello'), ['hello']);
});

test('a chunker fed a growing text gives the chunks of each prefix, and starts over on another text', () => {
  const full = Array.from({ length: 30 }, (_, index) => `para ${index} ${'y'.repeat(index * 5)}\n\n${index % 4 === 0 ? '```\na\n\nb\n```\n' : ''}`).join('');
  const chunker = new MarkdownChunker(50);
  for (let end = 0; end <= full.length; end += 7) assert.deepEqual(chunker.chunks(full.slice(0, end)), markdownChunks(full.slice(0, end), 50));
  assert.deepEqual(chunker.chunks('other\n\ntext'), markdownChunks('other\n\ntext', 50));
});

test('a fence is open until its closing fence arrives', () => {
  assert.equal(isOpenFence('```ts\nconst a = 1;\n'), true);
  assert.equal(isOpenFence('```ts\nconst a = 1;\n``'), true);
  assert.equal(isOpenFence('````\ncode\n```\n'), true, 'a shorter fence does not close a longer one');
  assert.equal(isOpenFence('~~~\ncode\n```'), true, 'nor one of the other character');
  assert.equal(isOpenFence('```ts\nconst a = 1;\n```'), false);
  assert.equal(isOpenFence('```ts\nconst a = 1;\n```\n\n'), false);
  assert.equal(isOpenFence('    indented code\n'), false, 'an indented block has no fence');
});
