import { describe, expect, it } from 'vitest';
import { evalExpect, ExpectEvalError, ExpectSyntaxError, parseExpect } from '../../src/scenario/expect.ts';

const report = { packets: { offered: 100, transmitted: 90 }, paths: { hardware: 80, software: 5 }, drops: {}, sqm: { 'pppoe-wan': { p99_delay_ms: 4.5 } } };

describe('expect expressions', () => {
  it('evaluates arithmetic and comparisons over report fields', () => {
    expect(evalExpect(parseExpect('paths.hardware / packets.offered >= 0.8'), report)).toBe(true);
    expect(evalExpect(parseExpect('paths.hardware + paths.software == 85 and packets.transmitted < 91'), report)).toBe(true);
    expect(evalExpect(parseExpect('sqm["pppoe-wan"].p99_delay_ms < 5'), report)).toBe(true);
    expect(evalExpect(parseExpect('not (packets.offered > 100) or 1 > 2'), report)).toBe(true);
  });
  it('reads an absent counter under a present section as 0, but rejects an unknown section', () => {
    expect(evalExpect(parseExpect('drops.CT_TABLE_FULL == 0'), report)).toBe(true);
    expect(() => evalExpect(parseExpect('pahts.hardware > 0'), report)).toThrow(ExpectEvalError);
  });
  it('reports the column of a syntax error', () => {
    try {
      parseExpect('paths.hardware > > 3');
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(ExpectSyntaxError);
      expect((e as ExpectSyntaxError).column).toBe(17);
    }
  });
});
