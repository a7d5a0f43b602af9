/**
 * A deliberately wrong expectation for the harness self-check: the case's ruleset with its NAT
 * removed (masquerade/snat/dnat turned into accept) or, failing that, its drop policies opened.
 * Running flowsim with it against the kernel run of the real ruleset must produce differences.
 */
export function wrongRuleset(ruleset: string): string {
  const noNat = ruleset.replace(/\b(masquerade|snat [^\n;]*|dnat [^\n;]*)/g, 'accept');
  if (noNat !== ruleset) return noNat;
  const open = ruleset.replace(/policy drop/g, 'policy accept').replace(/\breject\b[^\n;]*/g, 'accept');
  if (open !== ruleset) return open;
  return `${ruleset}\ntable inet selfcheck {\n  chain forward {\n    type filter hook forward priority -500; policy drop;\n  }\n}\n`;
}
