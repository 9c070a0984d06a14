import assert from 'node:assert/strict';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { test } from 'node:test';
import { readGgufFileInfo } from 'node-llama-cpp';
import { GGML_TYPE } from './ggml-type.js';
import {
  encodeGgufMetadataEntry, findGgufMetadata, readGgufFile, withGgufMetadata, writeGgufFile, type GgufFile, type GgufTensorData,
} from './gguf-file.js';
import { buildGguf, type TestGguf } from './testing/build-gguf.js';
import { TEST_METADATA, tinyQ4Gguf } from './testing/tiny-q4-gguf.js';
import { withTempDir } from './testing/with-temp-dir.js';

const withDir = (run: (dir: string) => Promise<void>): Promise<void> => withTempDir('spark-gguf-file-', run);

async function written(dir: string, spec: TestGguf, name = 'm.gguf'): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, buildGguf(spec));
  return path;
}

/** Tensor data read back from the file: what a copy writes. */
function copyFrom(path: string, file: GgufFile): GgufTensorData {
  return async function* (_tensor, index) {
    const source = file.tensors[index];
    assert.ok(source !== undefined);
    const bytes = await readFile(path);
    yield bytes.subarray(file.dataOffset + source.offset, file.dataOffset + source.offset + source.byteLength);
  };
}

void test('reads every metadata value type, keeps each entry raw, and re-encodes each one identically', () =>
  withDir(async (dir) => {
    const file = await readGgufFile(await written(dir, tinyQ4Gguf()));
    assert.equal(file.version, 3);
    assert.deepEqual(file.metadata.map((e) => [e.key, e.value]), TEST_METADATA);
    assert.deepEqual(Buffer.concat(file.metadata.map((e) => e.raw)), Buffer.from(file.metadataBytes));
    for (const entry of file.metadata) {
      assert.deepEqual(Buffer.from(encodeGgufMetadataEntry(entry.key, entry.value).raw), Buffer.from(entry.raw), entry.key);
    }
    assert.deepEqual(findGgufMetadata(file.metadata, 'test.u64'), { type: 'uint64', value: 2n ** 60n + 1n });
  }));

void test('reads tensor infos with sizes, aligned offsets and the data start', () =>
  withDir(async (dir) => {
    const spec = tinyQ4Gguf();
    const path = await written(dir, spec);
    const file = await readGgufFile(path);
    assert.equal(file.alignment, 32);
    assert.equal(file.dataOffset % 32, 0);
    assert.deepEqual(
      file.tensors.map(({ name, dims, type, byteLength }) => ({ name, dims, type, byteLength })),
      spec.tensors.map(({ name, dims, type, data }) => ({ name, dims, type, byteLength: data.length })),
    );
    assert.deepEqual(file.tensors.map((t) => t.offset), [0, 128, 160, 384]);
    const bytes = await readFile(path);
    for (const [i, tensor] of file.tensors.entries()) {
      const at = file.dataOffset + tensor.offset;
      assert.deepEqual(bytes.subarray(at, at + tensor.byteLength), Buffer.from(spec.tensors[i]?.data ?? []));
    }
  }));

void test('honours general.alignment, and data stored out of info order', () =>
  withDir(async (dir) => {
    const spec = tinyQ4Gguf({
      metadata: [...TEST_METADATA, ['general.alignment', { type: 'uint32', value: 256 }]],
      alignment: 256,
      reverseData: true,
    });
    const path = await written(dir, spec);
    const file = await readGgufFile(path);
    assert.equal(file.alignment, 256);
    assert.equal(file.dataOffset % 256, 0);
    assert.deepEqual(file.tensors.map((t) => t.offset), [768, 512, 256, 0]);
    const bytes = await readFile(path);
    const first = file.tensors[0];
    assert.ok(first !== undefined);
    assert.deepEqual(bytes.subarray(file.dataOffset + first.offset, file.dataOffset + first.offset + first.byteLength), Buffer.from(spec.tensors[0]?.data ?? []));
  }));

void test('the writer reproduces a file byte for byte, and node-llama-cpp reads what it writes', () =>
  withDir(async (dir) => {
    for (const spec of [
      tinyQ4Gguf(),
      tinyQ4Gguf({ version: 2, metadata: [...TEST_METADATA, ['general.alignment', { type: 'uint32', value: 64 }]], alignment: 64 }),
    ]) {
      const path = await written(dir, spec);
      const file = await readGgufFile(path);
      const out = join(dir, 'out.gguf');
      const infos = await writeGgufFile(out, file, copyFrom(path, file));
      assert.deepEqual(await readFile(out), await readFile(path));
      assert.deepEqual(infos, file.tensors);

      const info = await readGgufFileInfo(out, { logWarnings: false });
      assert.equal(info.version, spec.version ?? 3);
      assert.equal(info.metadata.general.name, 'tiny ✓ 模型');
      assert.deepEqual(
        info.tensorInfo?.map((t) => [t.name, t.dimensions.map(Number), t.ggmlType, Number(t.offset), Number(t.fileOffset)]),
        file.tensors.map((t) => [t.name, t.dims, t.type, t.offset, file.dataOffset + t.offset]),
      );
    }
  }));

void test('an edited key is re-encoded where it stood; every other entry is copied verbatim', () =>
  withDir(async (dir) => {
    const file = await readGgufFile(await written(dir, tinyQ4Gguf()));
    const edited = withGgufMetadata(file.metadata, 'general.file_type', { type: 'uint32', value: 2 });
    assert.deepEqual(edited.map((e) => e.key), file.metadata.map((e) => e.key));
    edited.forEach((entry, i) => {
      if (entry.key !== 'general.file_type') assert.equal(entry.raw, file.metadata[i]?.raw);
    });
    assert.deepEqual(findGgufMetadata(edited, 'general.file_type'), { type: 'uint32', value: 2 });
    const added = withGgufMetadata(file.metadata, 'general.quantized_by', { type: 'string', value: 'spark' });
    assert.equal(added.at(-1)?.key, 'general.quantized_by');
    assert.equal(added.length, file.metadata.length + 1);
  }));

void test('a header past the first read is read in full; one past maxHeaderBytes is model_unsupported', () =>
  withDir(async (dir) => {
    const long = 'x'.repeat(3 * 1024 * 1024);
    const path = await written(dir, tinyQ4Gguf({ metadata: [...TEST_METADATA, ['test.long', { type: 'string', value: long }]] }));
    assert.deepEqual(findGgufMetadata((await readGgufFile(path)).metadata, 'test.long'), { type: 'string', value: long });
    await assert.rejects(readGgufFile(path, { maxHeaderBytes: 64 * 1024 }), { code: 'model_unsupported', message: /header larger than 65536 bytes/ });
  }));

void test('malformed and unsupported files are refused with a code and a reason', () =>
  withDir(async (dir) => {
    const good = buildGguf(tinyQ4Gguf());
    const cases: [string, Buffer, string, RegExp][] = [
      ['magic', Buffer.concat([Buffer.from('GGML'), good.subarray(4)]), 'model_corrupt', /bad magic bytes/],
      ['v1', Buffer.from(good).fill(1, 4, 5), 'model_unsupported', /GGUF version 1 is not supported/],
      ['big-endian', Buffer.concat([good.subarray(0, 4), Buffer.from([0, 0, 0, 3]), good.subarray(8)]), 'model_unsupported', /big-endian/],
      ['truncated header', good.subarray(0, 200), 'model_corrupt', /truncated header/],
      ['truncated data', good.subarray(0, good.length - 40), 'model_corrupt', /token_embd.weight ends past the end of the file/],
      ['short', Buffer.from('GG'), 'model_corrupt', /truncated header/],
    ];
    for (const [name, bytes, code, message] of cases) {
      const path = join(dir, `${name}.gguf`);
      await writeFile(path, bytes);
      await assert.rejects(readGgufFile(path), { code, message }, name);
    }
    const unknownType = tinyQ4Gguf();
    const path = await written(dir, { ...unknownType, tensors: unknownType.tensors.map((t, i) => (i === 1 ? { ...t, type: 31 } : t)) }, 'type.gguf');
    await assert.rejects(readGgufFile(path), { code: 'model_unsupported', message: /blk\.0\.attn_norm\.weight has ggml type 31/ });
    const ragged = await written(dir, { metadata: [], tensors: [{ name: 'w', dims: [48, 1], type: GGML_TYPE.Q4_1, data: new Uint8Array(30) }] }, 'ragged.gguf');
    await assert.rejects(readGgufFile(ragged), { code: 'model_corrupt', message: /row of 48 is not whole blocks/ });
  }));

void test('the writer refuses tensor data of the wrong length', () =>
  withDir(async (dir) => {
    const spec = { version: 3, metadata: [], tensors: [{ name: 'w', dims: [4], type: GGML_TYPE.F32 }] };
    await assert.rejects(
      writeGgufFile(join(dir, 'short.gguf'), spec, async function* () {
        yield new Uint8Array(12);
      }),
      /tensor w: got 12 bytes of data, expected 16/,
    );
    await assert.rejects(
      writeGgufFile(join(dir, 'long.gguf'), spec, async function* () {
        yield new Uint8Array(20);
      }),
      /tensor w: got 20 bytes of data, expected 16/,
    );
  }));
