/** Every kernel differential case, in report order. Each module builds its cases on demand. */
import type { KernelCase } from '../case.ts';
import { filterCases } from './filter.ts';
import { fw4Cases } from './fw4.ts';
import { icmpCases } from './icmp.ts';
import { natCases } from './nat.ts';
import { tcpCases } from './tcp.ts';

export function allCases(): KernelCase[] {
  return [...natCases, ...filterCases, ...icmpCases, ...tcpCases, ...fw4Cases].map((make) => make());
}
