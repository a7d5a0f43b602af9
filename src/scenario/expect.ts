/**
 * `expect` expressions: small arithmetic/boolean formulas over the run's JSON report, e.g.
 *   paths.hardware / packets.offered > 0.9
 *   drops.CT_TABLE_FULL == 0 and flowtable.flows_added >= 100
 *   sqm["pppoe-wan"].p99_delay_ms < 20
 * Grammar (precedence low → high): or, and, not, comparison (< <= > >= == !=), + -, * /, unary -,
 * atoms (number, path, parentheses). Paths are dotted names with ["quoted"] keys. A name missing
 * under an existing object reads as 0 (the report omits zero counters); a missing top-level section
 * is an error, so a typo in the section name cannot pass silently.
 */
export type Expr =
  | { k: 'num'; v: number }
  | { k: 'path'; parts: string[]; text: string }
  | { k: 'un'; op: '-' | 'not'; a: Expr }
  | { k: 'bin'; op: string; a: Expr; b: Expr };

export class ExpectSyntaxError extends Error {
  constructor(message: string, readonly column: number) {
    super(message);
  }
}

interface Tok { t: 'num' | 'id' | 'str' | 'op' | 'end'; v: string; pos: number }

function lex(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (c === ' ' || c === '\t') { i++; continue; }
    const rest = src.slice(i);
    const num = /^(\d+(\.\d+)?(e[+-]?\d+)?)/i.exec(rest);
    if (num) { out.push({ t: 'num', v: num[1]!, pos: i }); i += num[1]!.length; continue; }
    const id = /^[A-Za-z_][A-Za-z0-9_]*/.exec(rest);
    if (id) { out.push({ t: 'id', v: id[0], pos: i }); i += id[0].length; continue; }
    if (c === '"' || c === "'") {
      const end = src.indexOf(c, i + 1);
      if (end < 0) throw new ExpectSyntaxError('unterminated string', i);
      out.push({ t: 'str', v: src.slice(i + 1, end), pos: i });
      i = end + 1;
      continue;
    }
    const op = /^(<=|>=|==|!=|&&|\|\||[<>+\-*/().[\]!])/.exec(rest);
    if (op) { out.push({ t: 'op', v: op[0], pos: i }); i += op[0].length; continue; }
    throw new ExpectSyntaxError(`unexpected character "${c}"`, i);
  }
  out.push({ t: 'end', v: '', pos: src.length });
  return out;
}

export function parseExpect(src: string): Expr {
  const toks = lex(src);
  let p = 0;
  const peek = (): Tok => toks[p]!;
  const take = (): Tok => toks[p++]!;
  const isOp = (v: string): boolean => { const t = peek(); return (t.t === 'op' || t.t === 'id') && t.v === v; };
  const expectOp = (v: string): void => {
    const t = take();
    if (t.v !== v) throw new ExpectSyntaxError(`expected "${v}", found ${t.t === 'end' ? 'end of expression' : `"${t.v}"`}`, t.pos);
  };
  const orExpr = (): Expr => {
    let a = andExpr();
    while (isOp('or') || isOp('||')) { take(); a = { k: 'bin', op: 'or', a, b: andExpr() }; }
    return a;
  };
  const andExpr = (): Expr => {
    let a = notExpr();
    while (isOp('and') || isOp('&&')) { take(); a = { k: 'bin', op: 'and', a, b: notExpr() }; }
    return a;
  };
  const notExpr = (): Expr => {
    if (isOp('not') || isOp('!')) { take(); return { k: 'un', op: 'not', a: notExpr() }; }
    return cmp();
  };
  const cmp = (): Expr => {
    const a = sum();
    const t = peek();
    if (t.t === 'op' && ['<', '<=', '>', '>=', '==', '!='].includes(t.v)) { take(); return { k: 'bin', op: t.v, a, b: sum() }; }
    return a;
  };
  const sum = (): Expr => {
    let a = prod();
    while (peek().t === 'op' && (peek().v === '+' || peek().v === '-')) { const op = take().v; a = { k: 'bin', op, a, b: prod() }; }
    return a;
  };
  const prod = (): Expr => {
    let a = unary();
    while (peek().t === 'op' && (peek().v === '*' || peek().v === '/')) { const op = take().v; a = { k: 'bin', op, a, b: unary() }; }
    return a;
  };
  const unary = (): Expr => {
    if (peek().t === 'op' && peek().v === '-') { take(); return { k: 'un', op: '-', a: unary() }; }
    return atom();
  };
  const atom = (): Expr => {
    const t = take();
    if (t.t === 'num') return { k: 'num', v: Number(t.v) };
    if (t.t === 'op' && t.v === '(') { const e = orExpr(); expectOp(')'); return e; }
    if (t.t === 'id') {
      const parts = [t.v];
      for (;;) {
        if (isOp('.')) {
          take();
          const n = take();
          if (n.t !== 'id' && n.t !== 'num') throw new ExpectSyntaxError(`expected a field name after ".", found "${n.v}"`, n.pos);
          parts.push(n.v);
        } else if (isOp('[')) {
          take();
          const n = take();
          if (n.t !== 'str' && n.t !== 'num') throw new ExpectSyntaxError('expected a quoted key inside [ ]', n.pos);
          parts.push(n.v);
          expectOp(']');
        } else break;
      }
      return { k: 'path', parts, text: parts.join('.') };
    }
    throw new ExpectSyntaxError(t.t === 'end' ? 'unexpected end of expression' : `unexpected "${t.v}"`, t.pos);
  };
  const e = orExpr();
  const t = peek();
  if (t.t !== 'end') throw new ExpectSyntaxError(`unexpected "${t.v}" after a complete expression`, t.pos);
  return e;
}

export class ExpectEvalError extends Error {}

function lookup(report: unknown, parts: readonly string[]): number | boolean {
  let cur: unknown = report;
  for (let i = 0; i < parts.length; i++) {
    const key = parts[i]!;
    if (cur === null || typeof cur !== 'object') throw new ExpectEvalError(`"${parts.slice(0, i).join('.')}" is not an object`);
    const obj = cur as Record<string, unknown>;
    if (!(key in obj)) {
      if (i === 0) throw new ExpectEvalError(`unknown report section "${key}"; known: ${Object.keys(obj).join(', ')}`);
      return 0;
    }
    cur = obj[key];
  }
  if (typeof cur === 'number' || typeof cur === 'boolean') return cur;
  if (cur === null) return 0;
  throw new ExpectEvalError(`"${parts.join('.')}" is not a number`);
}

export function evalExpect(e: Expr, report: unknown): number | boolean {
  switch (e.k) {
    case 'num': return e.v;
    case 'path': return lookup(report, e.parts);
    case 'un': {
      const a = evalExpect(e.a, report);
      return e.op === 'not' ? !truthy(a) : -Number(a);
    }
    case 'bin': {
      if (e.op === 'and') return truthy(evalExpect(e.a, report)) && truthy(evalExpect(e.b, report));
      if (e.op === 'or') return truthy(evalExpect(e.a, report)) || truthy(evalExpect(e.b, report));
      const a = Number(evalExpect(e.a, report));
      const b = Number(evalExpect(e.b, report));
      switch (e.op) {
        case '+': return a + b;
        case '-': return a - b;
        case '*': return a * b;
        case '/': return b === 0 ? (a === 0 ? 0 : Infinity) : a / b;
        case '<': return a < b;
        case '<=': return a <= b;
        case '>': return a > b;
        case '>=': return a >= b;
        case '==': return a === b;
        case '!=': return a !== b;
      }
      throw new ExpectEvalError(`unknown operator ${e.op}`);
    }
  }
}

function truthy(v: number | boolean): boolean {
  return typeof v === 'boolean' ? v : v !== 0;
}

/** The values of the paths an expression reads, for failure messages ("paths.hardware = 12"). */
export function explainExpect(e: Expr, report: unknown, out: string[] = []): string[] {
  if (e.k === 'path') {
    let v: string;
    try { v = String(lookup(report, e.parts)); } catch (err) { v = `<${(err as Error).message}>`; }
    const s = `${e.text} = ${v}`;
    if (!out.includes(s)) out.push(s);
  } else if (e.k === 'un') explainExpect(e.a, report, out);
  else if (e.k === 'bin') { explainExpect(e.a, report, out); explainExpect(e.b, report, out); }
  return out;
}
