import test from 'ava';
import { assertNoStack, scriptPath, start, usagePrefix } from './harness.ts';
import { checkTranscript } from './transcript.ts';

const SCRIPT = '00-ip-address.ts';
const USAGE = `${usagePrefix(scriptPath(SCRIPT))}[192.168.5.6 | 32 binary digits | an integer | ::1]`;

test('lesson 00 transcript matches a real run', (t) => checkTranscript(t, '00-ip-address'));

test('each form converts back: dotted, binary with and without dots, integer agree', async (t) => {
  const cases = [
    ['0.0.0.0', '00000000.00000000.00000000.00000000', '0'],
    ['128.0.0.1', '10000000.00000000.00000000.00000001', '2147483649'], // top bit set
    ['255.255.255.255', '11111111.11111111.11111111.11111111', '4294967295'],
  ];
  const runs = cases.flatMap(([dotted = '', binary = '', integer = '']) =>
    [dotted, binary, binary.replaceAll('.', ''), integer].map(async (form) => {
      const done = await start(t, SCRIPT, { args: [form] });
      t.is(done.exitCode, 0, form);
      t.is(
        done.stdout,
        `dotted decimal  ${dotted}\nbinary          ${binary}\ninteger         ${integer}`,
        form,
      );
    }),
  );
  await Promise.all(runs);
});

for (const [args, message] of [
  [['256.1.1.1'], `256.1.1.1: 256 does not fit in a byte (0 to 255) — ${USAGE}`],
  [['1.2.3'], `'1.2.3' is not an IPv4 address: write four numbers, like 192.168.5.6 — ${USAGE}`],
  [['abc'], `'abc' is not an IPv4 address: write four numbers, like 192.168.5.6 — ${USAGE}`],
  [['4294967296'], `4294967296 is more than 32 bits (at most 4294967295) — ${USAGE}`],
  [['192.168.05.6'], `192.168.05.6: write 05 without leading zeros — ${USAGE}`],
  // inet_aton reads a leading zero as octal (010 is 8): a bare integer is refused like 05 above
  [['010'], `010: write the integer without leading zeros — ${USAGE}`],
  [
    ['1100000010101000000001010000011'], // one digit short: binary, not a 31-digit decimal
    `1100000010101000000001010000011 has 31 binary digits: an address has 32 — ${USAGE}`,
  ],
  [['1.1.1.1', '2.2.2.2'], `give one address at a time — ${USAGE}`],
] as const) {
  test(`00-ip-address ${args.join(' ')} is a usage error: one line, exit 2`, async (t) => {
    const done = await start(t, SCRIPT, { args: [...args] });
    t.is(done.exitCode, 2);
    t.is(done.stdout, '');
    t.is(done.stderr, message);
    assertNoStack(t, done);
  });
}

test('00-ip-address --help prints the usage on stdout, exit 0', async (t) => {
  const done = await start(t, SCRIPT, { args: ['--help'] });
  t.is(done.exitCode, 0);
  t.is(done.stdout, USAGE);
});
