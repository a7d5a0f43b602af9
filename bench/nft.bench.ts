import { readFileSync } from 'node:fs';
import { defineSuite } from './case.ts';
import { parseRulesetText, parseRulesetJson } from '../src/nft/load.ts';

const FW4 = 'test/fixtures/nft/fw4-default.nft';
const JSON_FIXTURE = 'test/fixtures/nft/ipset-interval.json';

/** Parse time of whole rulesets (µs per parse = ns/op ÷ 1000); one "packet" is one parse. */
export default defineSuite('nft', [
  {
    name: 'parse fw4 default ruleset (text, 47 rules, with checks)',
    mode: null,
    flows: null,
    packetsPerCall: 1,
    setup: () => {
      const text = readFileSync(FW4, 'utf8');
      const include = () => ({ ok: true as const, files: [] });
      return () => {
        const r = parseRulesetText(text, FW4, { include });
        if (!r.ok) throw new Error('fixture failed to parse');
      };
    },
  },
  {
    name: 'parse ipset ruleset (libnftables JSON)',
    mode: null,
    flows: null,
    packetsPerCall: 1,
    setup: () => {
      const text = readFileSync(JSON_FIXTURE, 'utf8');
      return () => {
        const r = parseRulesetJson(text, JSON_FIXTURE);
        if (!r.ok) throw new Error('fixture failed to parse');
      };
    },
  },
]);
