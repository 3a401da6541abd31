/**
 * Property-based tests of the frame encoder and decoder exported by 16-framed-server.ts: for any
 * messages and any way of cutting the byte stream, the decoder gives back exactly the messages.
 */
import test from 'ava';
import fc from 'fast-check';
import './as-library.ts'; // before the script: its functions, without running it
import { encode, MAX_MESSAGE, messages } from '../scripts/16-framed-server.ts';

/** Run the decoder over a list of chunks: the messages it gives, and the error it ends with. */
async function decode(chunks: Buffer[]) {
  const got: Buffer[] = [];
  try {
    for await (const message of messages(chunks)) got.push(message);
    return { got, error: undefined };
  } catch (error) {
    return { got, error: error as NodeJS.ErrnoException };
  }
}

/** Cut `bytes` at the given offsets (any numbers: taken modulo the length, sorted, deduplicated). */
function cut(bytes: Buffer, at: number[]) {
  const points = [...new Set(at.map((n) => n % (bytes.length + 1)))].sort((a, b) => a - b);
  return [0, ...points].map((from, i) => bytes.subarray(from, points[i] ?? bytes.length));
}

/** Text with empty strings, ASCII, and characters of two, three and four bytes in UTF-8. */
const text = fc.oneof(
  fc.constant(''),
  fc.string({ unit: 'grapheme-ascii' }),
  fc.string({ unit: 'binary', maxLength: 200 }),
  fc.constantFrom('你好', 'é', '😀', 'bye', 'hello', 'feng'),
);

test('importing the script starts no server', (t) => {
  const resources = process.getActiveResourcesInfo();
  t.false(resources.includes('TCPServerWrap'), resources.join(', '));
});

test('a frame is a 4-byte big-endian length, then the UTF-8 bytes', (t) => {
  t.deepEqual(encode('hello'), Buffer.from([0, 0, 0, 5, 0x68, 0x65, 0x6c, 0x6c, 0x6f]));
  t.deepEqual(encode('你'), Buffer.from([0, 0, 0, 3, 0xe4, 0xbd, 0xa0]));
  t.deepEqual(encode(''), Buffer.from([0, 0, 0, 0]));
});

test('any messages, cut anywhere, decode to exactly the messages', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(text, { maxLength: 30 }), fc.array(fc.nat()), async (sent, at) => {
      const stream = Buffer.concat(sent.map((m) => encode(m)));
      const { got, error } = await decode(cut(stream, at));
      const back = got.map((m) => m.toString('utf8'));
      return (
        error === undefined && back.length === sent.length && back.every((m, i) => m === sent[i])
      );
    }),
    { numRuns: 500 },
  );
  t.pass();
});

test('binary messages survive any cut, byte for byte, one byte at a time included', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }),
      fc.oneof(fc.array(fc.nat()), fc.constant('bytes' as const)),
      async (sent, how) => {
        const stream = Buffer.concat(sent.map((m) => encode(Buffer.from(m))));
        const chunks =
          how === 'bytes' ? [...stream].map((b) => Buffer.from([b])) : cut(stream, how);
        const { got, error } = await decode(chunks);
        return (
          error === undefined &&
          got.length === sent.length &&
          got.every((m, i) => m.equals(Buffer.from(sent[i] ?? [])))
        );
      },
    ),
    { numRuns: 300 },
  );
  t.pass();
});

test('a header over the maximum is refused as soon as it is complete, before any body', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(text, { maxLength: 5 }),
      fc.integer({ min: MAX_MESSAGE + 1, max: 2 ** 32 - 1 }),
      async (before, size) => {
        const header = Buffer.alloc(4);
        header.writeUInt32BE(size);
        const { got, error } = await decode([...before.map((m) => encode(m)), header]);
        return error?.code === 'ETOOLONG' && got.length === before.length;
      },
    ),
  );
  const { error } = await decode([Buffer.from('hello\n')]); // text where a frame should be
  t.is(error?.message, 'a 1751477356-byte message is over the 1048576-byte limit');
});

test('a message of exactly the maximum is accepted', async (t) => {
  const big = Buffer.alloc(MAX_MESSAGE, 'x');
  const { got, error } = await decode([encode(big)]);
  t.is(error, undefined);
  t.true(got[0]?.equals(big));
});

test('a stream that stops inside a frame is reported, after every whole message', async (t) => {
  await fc.assert(
    fc.asyncProperty(
      fc.array(text, { maxLength: 10 }),
      fc.string({ unit: 'binary', minLength: 1, maxLength: 50 }),
      fc.nat(),
      async (whole, last, n) => {
        const frame = encode(last);
        const keep = 1 + (n % (frame.length - 1)); // 1 to frame.length - 1 bytes of the last frame
        const stream = Buffer.concat([...whole.map((m) => encode(m)), frame.subarray(0, keep)]);
        const { got, error } = await decode(cut(stream, [n, n * 7]));
        return error?.code === 'ETRUNCATED' && got.length === whole.length;
      },
    ),
  );
  const { error } = await decode([Buffer.from([0, 0, 0, 10]), Buffer.from('abc')]);
  t.is(error?.message, 'the stream ended inside a message: 3 of its 10 bytes');
  const header = await decode([Buffer.from([0, 0])]);
  t.is(header.error?.message, 'the stream ended inside a header: 2 of its 4 bytes');
});
