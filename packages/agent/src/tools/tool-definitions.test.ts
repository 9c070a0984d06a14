import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { APPLY_PATCH_INSTRUCTIONS, APPLY_PATCH_LARK_GRAMMAR, APPLY_PATCH_TOOL, WORKSPACE_TOOLS } from './tool-definitions.js';
import { BASE_SYSTEM_PROMPT, buildSystemPrompt } from './system-prompt.js';

describe('tool definitions', () => {
  it('declares every tool once, function tools with closed, fully required schemas', () => {
    assert.deepEqual(WORKSPACE_TOOLS.map((tool) => tool.name), ['read_file', 'list_dir', 'search', 'shell', 'apply_patch']);
    for (const tool of WORKSPACE_TOOLS) {
      assert.ok(tool.description.length > 20 && tool.description.length < 600, tool.name);
      if (tool.type !== 'function') continue;
      assert.equal(tool.parameters.additionalProperties, false);
      assert.deepEqual(tool.parameters.required, Object.keys(tool.parameters.properties));
      for (const [name, schema] of Object.entries(tool.parameters.properties)) assert.ok(schema.description.length > 0, `${tool.name}.${name}`);
    }
    // Plain JSON: survives a round trip unchanged.
    assert.deepEqual(JSON.parse(JSON.stringify(WORKSPACE_TOOLS)), WORKSPACE_TOOLS);
  });

  it('defines apply_patch as Codex does: a freeform tool with its Lark grammar', () => {
    assert.deepEqual(Object.keys(APPLY_PATCH_TOOL), ['type', 'name', 'description', 'format']);
    assert.equal(APPLY_PATCH_TOOL.description, 'Use the `apply_patch` tool to edit files. This is a FREEFORM tool, so do not wrap the patch in JSON.');
    assert.deepEqual(APPLY_PATCH_TOOL.format, { type: 'grammar', syntax: 'lark', definition: APPLY_PATCH_LARK_GRAMMAR });
    assert.ok(APPLY_PATCH_LARK_GRAMMAR.startsWith('start: begin_patch hunk+ end_patch\n'));
    assert.ok(APPLY_PATCH_LARK_GRAMMAR.endsWith('%import common.LF\n'));
    for (const header of ['*** Begin Patch', '*** Add File: ', '*** Delete File: ', '*** Update File: ', '*** Move to: ', '*** End of File', '*** End Patch']) {
      assert.ok(APPLY_PATCH_LARK_GRAMMAR.includes(header), header);
      assert.ok(APPLY_PATCH_INSTRUCTIONS.includes(header.trim()), header);
    }
  });
});

describe('system prompt', () => {
  const words = (text: string): number => text.split(/\s+/).filter(Boolean).length;

  it('is short, and includes the patch instructions unless told not to', () => {
    assert.ok(words(BASE_SYSTEM_PROMPT) < 350, `${words(BASE_SYSTEM_PROMPT)} words`);
    assert.ok(buildSystemPrompt().includes(APPLY_PATCH_INSTRUCTIONS));
    assert.equal(buildSystemPrompt({ patchInstructions: false }), BASE_SYSTEM_PROMPT);
  });
});
