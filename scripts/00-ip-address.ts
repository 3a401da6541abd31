/**
 * @title IP addresses: four bytes, three ways to write them
 * @mirrors 一 网络初识
 * @run npx tsx scripts/00-ip-address.ts 192.168.5.6
 *
 * An IPv4 address is one 32-bit number. Give it in dotted decimal, as 32 binary digits or as an
 * integer, and the script prints all three forms. An IPv6 address gets a note on how it differs.
 */
import { isIP } from 'node:net';
import { relative } from 'node:path';
import { parseArgs } from 'node:util';

const text = address('192.168.5.6');
main();

function main() {
  const n = isIP(text) === 6 ? mapped(text) : parse(text); // the address as one 32-bit integer
  if (n === undefined) {
    // ::1 is IPv6's loopback, as 127.0.0.1 is IPv4's: 128 bits, written as eight 16-bit hex groups
    console.log(`${text} is an IPv6 address: 128 bits, not 32, so it has no IPv4 forms`);
    return console.log(`with a port it is written in brackets: [${text}]:8088`);
  }
  if (isIP(text) === 6) console.log(`${text} is IPv4-mapped: its last 32 bits are an IPv4 address`);
  const bytes = [24, 16, 8, 0].map((shift) => (n >>> shift) & 0xff); // a.b.c.d, one byte each
  console.log(`dotted decimal  ${bytes.join('.')}`);
  console.log(`binary          ${bytes.map((b) => b.toString(2).padStart(8, '0')).join('.')}`);
  console.log(`integer         ${n}`);
}

/** Read any of the three forms; throw a reason if it is none of them. */
function parse(text: string): number {
  const parts = text.split('.');
  if (parts.length === 4 && parts.every((p) => /^[01]{8}$/.test(p))) {
    return Number.parseInt(parts.join(''), 2); // 11000000.10101000.00000101.00000110
  }
  if (/^[01]{32}$/.test(text)) return Number.parseInt(text, 2); // the same without dots
  if (/^[01]{11,}$/.test(text)) {
    throw new Error(`${text} has ${text.length} binary digits: an address has 32`);
  }
  if (/^\d+$/.test(text)) {
    if (/^0\d/.test(text)) throw new Error(`${text}: write the integer without leading zeros`);
    const n = Number(text); // 3232236806
    if (n > 0xffffffff) throw new Error(`${text} is more than 32 bits (at most 4294967295)`);
    return n;
  }
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p))) {
    throw new Error(`'${text}' is not an IPv4 address: write four numbers, like 192.168.5.6`);
  }
  for (const p of parts) {
    if (Number(p) > 255) throw new Error(`${text}: ${p} does not fit in a byte (0 to 255)`);
    if (/^0\d/.test(p)) throw new Error(`${text}: write ${p} without leading zeros`);
  }
  return parts.reduce((n, p) => n * 256 + Number(p), 0); // 192.168.5.6
}

/** The IPv4 address in an IPv4-mapped IPv6 one (::ffff:1.2.3.4), or undefined if it holds none. */
function mapped(ipv6: string) {
  // A URL writes its IPv6 host in the shortest form: ::ffff:1.2.3.4 becomes [::ffff:102:304].
  const host = new URL(`http://[${ipv6.split('%')[0]}]`).hostname; // no %zone in a URL
  const [, high = '', low = ''] = /^\[::ffff:(\w+):(\w+)\]$/.exec(host) ?? [];
  return high ? Number.parseInt(high, 16) * 65536 + Number.parseInt(low, 16) : undefined;
}

// ---- plumbing: the argument, usage errors ------------------------------------------------------

function address(example: string): string {
  const [{ deno, bun }, tsx] = [process.versions, process.execArgv.some((a) => a.includes('tsx'))];
  const run = deno ? 'deno run -A' : bun ? 'bun' : tsx ? 'npx tsx' : 'node';
  const usage = `usage: ${run} ${relative('.', process.argv[1] ?? '')} [${example} | 32 binary digits | an integer | ::1]`;
  try {
    const { values, positionals } = parseArgs({
      options: { help: { type: 'boolean' } },
      allowPositionals: true,
    });
    if (values.help) exit(usage, 0, console.log);
    if (positionals.length > 1) throw new Error('give one address at a time');
    const text = positionals[0] ?? example;
    if (isIP(text) !== 6) parse(text); // a bad address is a usage error: say why, exit 2
    return text;
  } catch (err) {
    return exit(`${(err as Error).message.split(/\.\s/)[0]} — ${usage}`, 2);
  }
}

function exit(message: string, code: number, print = console.error): never {
  print(message);
  process.exit(code);
}
