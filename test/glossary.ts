/** lessons/zh/GLOSSARY.md as the tests read it, for every Chinese text they check. */
import { read } from './harness.ts';

/** The words the glossary sets aside (its 不用 column): no Chinese text may use them. */
export function setAside(): string[] {
  const rows = read('lessons/zh/GLOSSARY.md').matchAll(/^\|[^|]*\|[^|]*\|([^|]*)\|$/gm);
  return [...rows]
    .flatMap(([, cell = '']) => cell.split('、').map((w) => w.trim()))
    .filter((w) => w && w !== '不用' && !/^-+$/.test(w)); // not the header, nor the |---| row
}
