/**
 * Recursive-descent parser for the nft text language as `nft list ruleset` and firewall4's
 * `fw4 print` write it (grammar after nftables `src/parser_bison.y`). `define` variables and
 * `include` files are expanded by splicing their tokens into the stream, so a variable is typed
 * where it is used (`iifname $lan_devices` and `ip saddr $lan_subnets` both work).
 *
 * Parsing stops at the first syntax error (later errors would mostly be echoes of it); semantic
 * problems the parser can see (wrong element type, undefined variable, bad flowtable priority)
 * are collected and returned together.
 */
import type {
  BaseChainInfo, Chain, Family, ChainType, ConstValue, CtExpr, CtKey, DataType, Expr, FibExpr, Flowtable, Hook, Ip6Value,
  IntValue, KeyField, Loc, LogLevel, MatchStmt, NatFlag, NatStmt, NamedSet, NftError, NftWarning, PayloadExpr,
  Priority, Rule, Selector, SetElement, SetExpr, SetFlag, Stmt, Table, TypeSpec, Verdict, VerdictCode,
} from './ir.ts';
import { lex, describeToken, type Token } from './lexer.ts';
import { NftParseFailure, nftError, unsupported } from './errors.ts';
import { RulesetBuilder, isFamily } from './builder.ts';
import {
  BITMASK_DTYPES, BRIDGE_PRIORITIES, CT_DIR_KEYS, CT_KEYS, DTYPE_BITS, META_KEYS, NAMED_PRIORITIES, PAYLOAD_FIELDS,
  UNMODELLED_CT, UNMODELLED_META, UNMODELLED_PAYLOAD, UNQUALIFIED_META, ctKeyInfo, isDataType, isMetaKey,
  isPayloadProtocol,
} from './fields.ts';
import { constOf, expectedOf, type LiteralKind } from './values.ts';
import type { Ruleset } from './ir.ts';

/** Reads the files an `include` names. `pattern` is already resolved against the including file. */
export type IncludeReader = (pattern: string) => { ok: true; files: { file: string; text: string }[] } | { ok: false; message: string };

export interface TextParseResult {
  readonly ruleset: Ruleset | null;
  readonly errors: NftError[];
  readonly warnings: NftWarning[];
  readonly sources: Record<string, string>;
}

export interface TextParseOptions {
  /** Resolves `include "…"`; without it includes are an error. */
  readonly include?: (pattern: string, fromFile: string) => ReturnType<IncludeReader>;
}

const HOOKS: readonly Hook[] = ['prerouting', 'input', 'forward', 'output', 'postrouting', 'ingress', 'egress'];
const CHAIN_TYPES: readonly ChainType[] = ['filter', 'nat', 'route'];
const LOG_LEVELS: readonly LogLevel[] = ['emerg', 'alert', 'crit', 'err', 'warn', 'notice', 'info', 'debug', 'audit'];
const UNSUPPORTED_EXPRS: Record<string, string> = {
  numgen: 'numgen expressions (flowsim has no model of numgen)',
  jhash: 'jhash expressions (flowsim has no model of hashing)',
  symhash: 'symhash expressions (flowsim has no model of hashing)',
  osf: 'osf (passive OS fingerprinting) expressions',
  socket: 'socket expressions',
  exthdr: 'exthdr expressions',
  ipsec: 'ipsec expressions',
  tunnel: 'tunnel expressions',
  xfrm: 'xfrm expressions',
};
const UNSUPPORTED_STMTS: Record<string, string> = {
  queue: 'queue (userspace queueing is not modelled)',
  dup: 'dup statements',
  fwd: 'fwd statements',
  tproxy: 'tproxy statements',
  synproxy: 'synproxy statements',
  meter: 'meter statements (use a dynamic set with "update @set { … }")',
  xt: 'xt (iptables-nft compat) statements',
  secmark: 'secmark statements',
  optstrip: 'tcp option reset/strip statements',
};
const MAX_EXPANSIONS = 100_000;

/** Parse nft text. `fileName` names the text in locations and anchors relative includes. */
export function parseText(text: string, fileName: string, options: TextParseOptions = {}): TextParseResult {
  const p = new TextParser(text, fileName, options);
  return p.run();
}

class TextParser {
  private toks: Token[] = [];
  private pos = 0;
  private readonly builder = new RulesetBuilder();
  private readonly errors: NftError[] = [];
  private readonly warnings: NftWarning[] = [];
  private readonly sources: Record<string, string> = {};
  private readonly files: string[] = [];
  private readonly handles = new Map<string, Map<number, number>>();
  private readonly scopes: Map<string, { tokens: Token[]; loc: Loc }>[] = [new Map()];
  private expansions = 0;
  /** Family of the table being parsed (for `dnat to 1.2.3.4` family inference). */
  private family: string = 'ip';

  constructor(private readonly text: string, private readonly fileName: string, private readonly options: TextParseOptions) {}

  run(): TextParseResult {
    try {
      this.toks = this.lexFile(this.text, this.fileName);
      this.parseFile();
    } catch (e) {
      if (e instanceof NftParseFailure) this.errors.push(e.error);
      else throw e;
    }
    const failed = this.errors.length > 0;
    return { ruleset: failed ? null : this.builder.build('text', this.files), errors: this.errors, warnings: this.warnings, sources: this.sources };
  }

  private lexFile(text: string, file: string): Token[] {
    this.sources[file] = text;
    this.files.push(file);
    const r = lex(text, file);
    this.handles.set(file, r.handles);
    if (r.errors.length > 0) throw new NftParseFailure(r.errors[0]!);
    return r.tokens;
  }

  // -------------------------------------------------------------------------------------------
  // token stream
  // -------------------------------------------------------------------------------------------

  private peek(offset = 0): Token {
    // Expand `$var` where it is about to be read (definition-time tokens, use-time typing).
    for (let k = 0; k <= offset; k++) {
      const t = this.toks[this.pos + k];
      if (t === undefined) return this.toks[this.toks.length - 1]!;
      if (t.kind === 'var') {
        this.expandVar(this.pos + k, t);
        k--;
      }
    }
    return this.toks[Math.min(this.pos + offset, this.toks.length - 1)]!;
  }

  private expandVar(at: number, t: Token): void {
    let def: { tokens: Token[]; loc: Loc } | undefined;
    for (let s = this.scopes.length - 1; s >= 0 && def === undefined; s--) def = this.scopes[s]!.get(t.text);
    if (def === undefined) this.fail(nftError('semantic', `undefined variable "$${t.text}": define it first with "define ${t.text} = …"`, t.loc, t.length));
    if (++this.expansions > MAX_EXPANSIONS) this.fail(nftError('semantic', `variable "$${t.text}" expands too deeply (does it refer to itself?)`, t.loc, t.length));
    this.toks.splice(at, 1, ...def.tokens);
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'eof') this.pos++;
    this.last = t;
    return t;
  }

  private last: Token | undefined;

  private fail(err: NftError): never {
    throw new NftParseFailure(err);
  }

  private expected(what: string, t: Token = this.peek()): never {
    this.fail(nftError('syntax', `expected ${what}, found ${describeToken(t)}`, t.loc, t.length));
  }

  private isWord(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'word' && t.text === text;
  }

  private isPunct(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t.kind === 'punct' && t.text === text;
  }

  private acceptWord(text: string): boolean {
    if (this.isWord(text)) {
      this.next();
      return true;
    }
    return false;
  }

  private acceptPunct(text: string): boolean {
    if (this.isPunct(text)) {
      this.next();
      return true;
    }
    return false;
  }

  private expectWord(text: string): Token {
    if (!this.isWord(text)) this.expected(`"${text}"`);
    return this.next();
  }

  private expectPunct(text: string): Token {
    if (!this.isPunct(text)) this.expected(`"${text}"`);
    return this.next();
  }

  /** A name: an unquoted identifier or a quoted string. */
  private expectName(what: string): Token {
    const t = this.peek();
    if (t.kind === 'word' || t.kind === 'string') return this.next();
    this.expected(what);
  }

  private expectNumber(what: string): number {
    const t = this.peek();
    if (t.kind !== 'number') this.expected(what);
    this.next();
    return t.text.startsWith('0x') || t.text.startsWith('0X') ? parseInt(t.text.slice(2), 16) : Number(t.text);
  }

  private atSeparator(): boolean {
    const t = this.peek();
    return t.kind === 'newline' || t.kind === 'eof' || (t.kind === 'punct' && (t.text === ';' || t.text === '}'));
  }

  private skipSeparators(): void {
    for (;;) {
      const t = this.peek();
      if (t.kind === 'newline' || (t.kind === 'punct' && t.text === ';')) this.next();
      else return;
    }
  }

  private skipNewlines(): void {
    while (this.peek().kind === 'newline') this.next();
  }

  /** The end of a declaration line: `;`, newline, or a closing brace (left unread). */
  private endOfLine(what: string): void {
    const t = this.peek();
    if (t.kind === 'newline' || (t.kind === 'punct' && t.text === ';')) {
      this.next();
      return;
    }
    if (t.kind === 'eof' || (t.kind === 'punct' && t.text === '}')) return;
    this.expected(`";" or a new line after ${what}`);
  }

  private handleAt(loc: Loc): number | null {
    return this.handles.get(loc.file)?.get(loc.line) ?? null;
  }

  // -------------------------------------------------------------------------------------------
  // top level
  // -------------------------------------------------------------------------------------------

  private parseFile(): void {
    for (;;) {
      this.skipSeparators();
      const t = this.peek();
      if (t.kind === 'eof') return;
      this.parseCommand();
    }
  }

  private parseCommand(): void {
    const t = this.peek();
    if (t.kind !== 'word') this.expected('a command (table, flush, add, delete, define, include)');
    switch (t.text) {
      case 'table':
        this.next();
        this.parseTableCommand(t.loc);
        return;
      case 'define':
      case 'redefine':
        this.parseDefine();
        return;
      case 'undefine': {
        this.next();
        const name = this.expectName('a variable name');
        this.scopes[this.scopes.length - 1]!.delete(name.text);
        this.endOfLine('undefine');
        return;
      }
      case 'include':
        this.parseInclude();
        return;
      case 'flush':
        this.next();
        this.parseFlush();
        return;
      case 'add':
      case 'create':
      case 'insert':
        this.next();
        this.parseAdd(t.text);
        return;
      case 'delete':
      case 'destroy':
        this.next();
        this.parseDelete(t.text === 'destroy');
        return;
      case 'list':
      case 'monitor':
      case 'describe':
      case 'reset':
      case 'rename':
      case 'replace':
      case 'export':
      case 'import':
        this.fail(unsupported(`the "${t.text}" command in a ruleset file (flowsim loads rulesets, it does not run commands)`, t.loc, t.length));
      default:
        this.expected('a command (table, flush, add, delete, define, include)');
    }
  }

  private parseFamilyAndName(what: string): { family: Family; name: Token } {
    const t = this.peek();
    let family: Family = 'ip';
    if (t.kind === 'word' && isFamily(t.text) && (this.peek(1).kind === 'word' || this.peek(1).kind === 'string')) {
      family = this.familyOf(this.next());
    }
    const name = this.expectName(`a ${what} name`);
    return { family, name };
  }

  private familyOf(t: Token): Family {
    if (!isFamily(t.text)) this.expected('a family (ip, ip6, inet, netdev, bridge, arp)', t);
    return t.text;
  }

  /** `table F N [{ … }]` */
  private parseTableCommand(loc: Loc): void {
    const { family, name } = this.parseFamilyAndName('table');
    const table = this.builder.ensureTable(family, name.text, loc);
    if (table.handle === null) table.handle = this.handleAt(loc);
    if (this.isPunct('{')) this.parseTableBody(table);
    else this.endOfLine('the table name');
  }

  private lookupTable(): Table {
    const { family, name } = this.parseFamilyAndName('table');
    const table = this.builder.findTable(family, name.text);
    if (!table) this.fail(nftError('semantic', `table ${family} ${name.text} does not exist (declare it first with "table ${family} ${name.text} { … }")`, name.loc, name.length));
    return table;
  }

  private parseFlush(): void {
    const what = this.peek();
    if (this.acceptWord('ruleset')) {
      if (this.peek().kind === 'word' && isFamily(this.peek().text)) {
        const fam = this.next().text;
        for (const t of [...this.builder.tables]) if (t.family === fam) this.builder.deleteTable(t);
      } else this.builder.flushRuleset();
    } else if (this.acceptWord('table')) {
      const { family, name } = this.parseFamilyAndName('table');
      const table = this.builder.findTable(family, name.text);
      // `flush table` of a table that does not exist is an error in nft; fw4 always declares it first.
      if (!table) this.fail(nftError('semantic', `cannot flush table ${family} ${name.text}: it does not exist`, name.loc, name.length));
      this.builder.flushTable(table);
    } else if (this.acceptWord('chain')) {
      const table = this.lookupTable();
      const c = this.expectName('a chain name');
      const chain = table.chains.find((x) => x.name === c.text);
      if (!chain) this.fail(nftError('semantic', `cannot flush chain "${c.text}": no such chain in table ${table.family} ${table.name}`, c.loc, c.length));
      chain.rules.length = 0;
    } else if (this.acceptWord('set') || this.acceptWord('map')) {
      const table = this.lookupTable();
      const s = this.expectName('a set name');
      const set = table.sets.find((x) => x.name === s.text);
      if (!set) this.fail(nftError('semantic', `cannot flush set "${s.text}": no such set in table ${table.family} ${table.name}`, s.loc, s.length));
      set.elements = [];
    } else this.expected('ruleset, table, chain, set or map after "flush"', what);
    this.endOfLine('flush');
  }

  private parseAdd(verb: string): void {
    const kw = this.peek();
    if (kw.kind !== 'word') this.expected('table, chain, rule, set, map, element, flowtable, counter, quota or ct helper');
    if (verb === 'insert' && kw.text !== 'rule') this.expected('"rule" after "insert"');
    switch (kw.text) {
      case 'table': {
        this.next();
        this.parseTableCommand(kw.loc);
        return;
      }
      case 'chain': {
        this.next();
        const table = this.lookupTable();
        const name = this.expectName('a chain name');
        const chain = this.builder.ensureChain(table, name.text, name.loc);
        if (this.isPunct('{')) {
          this.next();
          this.parseChainBody(table, chain);
          this.expectPunct('}');
        }
        this.endOfLine('the chain');
        return;
      }
      case 'rule': {
        this.next();
        const table = this.lookupTable();
        const name = this.expectName('a chain name');
        const chain = table.chains.find((c) => c.name === name.text);
        if (!chain) this.fail(nftError('semantic', `unknown chain "${name.text}" in table ${table.family} ${table.name}`, name.loc, name.length));
        if (this.isWord('position') || this.isWord('handle') || this.isWord('index')) {
          const t = this.next();
          this.fail(unsupported(`"${verb} rule … ${t.text} N" (flowsim appends or prepends whole rules only)`, t.loc, t.length));
        }
        this.enterTable(table);
        try {
          const rule = this.parseRule();
          this.builder.addRule(chain, rule, verb === 'insert');
        } finally {
          this.leaveTable();
        }
        return;
      }
      case 'set':
      case 'map': {
        this.next();
        const table = this.lookupTable();
        this.enterTable(table);
        try {
          this.parseSetDecl(table, kw.text, kw.loc);
        } finally {
          this.leaveTable();
        }
        this.endOfLine('the set');
        return;
      }
      case 'element': {
        this.next();
        const table = this.lookupTable();
        const s = this.expectName('a set name');
        const set = table.sets.find((x) => x.name === s.text);
        if (!set) this.fail(nftError('semantic', `unknown set "${s.text}" in table ${table.family} ${table.name}`, s.loc, s.length));
        this.enterTable(table);
        try {
          const elems = this.parseSetLiteral(set.key.fields.map((f) => f.dtype), set.data ? set.data.fields.map((f) => f.dtype) : null);
          set.elements = [...set.elements, ...elems.elements];
        } finally {
          this.leaveTable();
        }
        this.endOfLine('the elements');
        return;
      }
      case 'flowtable': {
        this.next();
        const table = this.lookupTable();
        this.parseFlowtableDecl(table, kw.loc);
        this.endOfLine('the flowtable');
        return;
      }
      case 'counter':
      case 'quota': {
        this.next();
        const table = this.lookupTable();
        this.parseObjectDecl(table, kw.text, kw.loc);
        this.endOfLine(`the ${kw.text}`);
        return;
      }
      case 'ct': {
        this.next();
        if (!this.isWord('helper')) this.unsupportedCtObject();
        this.next();
        const table = this.lookupTable();
        this.parseCtHelperDecl(table, kw.loc);
        this.endOfLine('the ct helper');
        return;
      }
      default:
        this.expected('table, chain, rule, set, map, element, flowtable, counter, quota or ct helper');
    }
  }

  private parseDelete(destroy: boolean): void {
    const kw = this.peek();
    if (kw.kind !== 'word') this.expected('table, chain, rule, set, map, flowtable, element, counter, quota or ct helper');
    this.next();
    const missing = (what: string, t: Token): void => {
      // `destroy` ignores missing objects; `delete` fails (ENOENT) as nft does.
      if (!destroy) this.fail(nftError('semantic', `cannot delete ${what}: it does not exist`, t.loc, t.length));
    };
    switch (kw.text) {
      case 'table': {
        const { family, name } = this.parseFamilyAndName('table');
        const table = this.builder.findTable(family, name.text);
        if (table) this.builder.deleteTable(table);
        else missing(`table ${family} ${name.text}`, name);
        break;
      }
      case 'chain':
      case 'set':
      case 'map':
      case 'flowtable':
      case 'counter':
      case 'quota': {
        const table = this.lookupTable();
        const name = this.expectName(`a ${kw.text} name`);
        const list: { name: string }[] =
          kw.text === 'chain' ? table.chains : kw.text === 'flowtable' ? table.flowtables : kw.text === 'set' || kw.text === 'map' ? table.sets : table.objects.filter((o) => o.kind === kw.text);
        const found = list.find((x) => x.name === name.text);
        if (!found) missing(`${kw.text} "${name.text}" in table ${table.family} ${table.name}`, name);
        else if (kw.text === 'chain') table.chains.splice(table.chains.indexOf(found as Chain), 1);
        else if (kw.text === 'flowtable') table.flowtables.splice(table.flowtables.indexOf(found as Flowtable), 1);
        else if (kw.text === 'set' || kw.text === 'map') table.sets.splice(table.sets.indexOf(found as NamedSet), 1);
        else table.objects.splice(table.objects.findIndex((o) => o === found), 1);
        break;
      }
      case 'rule': {
        const table = this.lookupTable();
        const name = this.expectName('a chain name');
        const chain = table.chains.find((c) => c.name === name.text);
        if (!chain) {
          missing(`a rule in chain "${name.text}"`, name);
          break;
        }
        this.expectWord('handle');
        const ht = this.peek();
        const handle = this.expectNumber('a rule handle');
        const i = chain.rules.findIndex((r) => r.handle === handle);
        if (i >= 0) chain.rules.splice(i, 1);
        else missing(`rule handle ${handle} in chain "${chain.name}" (rules get handles from "# handle N" comments)`, ht);
        break;
      }
      case 'element': {
        const table = this.lookupTable();
        const s = this.expectName('a set name');
        const set = table.sets.find((x) => x.name === s.text);
        if (!set) this.fail(nftError('semantic', `unknown set "${s.text}" in table ${table.family} ${table.name}`, s.loc, s.length));
        const lit = this.parseSetLiteral(set.key.fields.map((f) => f.dtype), null);
        const keys = new Set(lit.elements.map((e) => JSON.stringify(stripLoc(e.key))));
        set.elements = set.elements.filter((e) => !keys.has(JSON.stringify(stripLoc(e.key))));
        break;
      }
      case 'ct': {
        this.expectWord('helper');
        const table = this.lookupTable();
        const name = this.expectName('a ct helper name');
        const i = table.objects.findIndex((o) => o.kind === 'ct-helper' && o.name === name.text);
        if (i >= 0) table.objects.splice(i, 1);
        else missing(`ct helper "${name.text}"`, name);
        break;
      }
      default:
        this.expected('table, chain, rule, set, map, flowtable, element, counter, quota or ct helper', kw);
    }
    this.endOfLine('delete');
  }

  private parseDefine(): void {
    this.next();
    const name = this.expectName('a variable name');
    this.expectPunct('=');
    const body: Token[] = [];
    let depth = 0;
    for (;;) {
      const t = this.peek();
      if (t.kind === 'eof') break;
      if (depth === 0 && (t.kind === 'newline' || (t.kind === 'punct' && (t.text === ';' || t.text === '}')))) break;
      if (t.kind === 'punct' && t.text === '{') depth++;
      if (t.kind === 'punct' && t.text === '}') depth--;
      // Newlines inside braces are kept out: the value is one expression.
      if (t.kind !== 'newline') body.push(t);
      this.next();
    }
    if (body.length === 0) this.expected(`a value for "${name.text}"`);
    this.scopes[this.scopes.length - 1]!.set(name.text, { tokens: body, loc: name.loc });
    this.endOfLine('the define');
  }

  private parseInclude(): void {
    const kw = this.next();
    const path = this.peek();
    if (path.kind !== 'string') this.expected('a quoted file name after "include"');
    this.next();
    const include = this.options.include;
    if (!include) this.fail(unsupported('include (no file access in this context)', kw.loc, kw.length));
    const r = include(path.text, path.loc.file);
    if (!r.ok) this.fail(nftError('semantic', r.message, path.loc, path.length));
    const spliced: Token[] = [];
    for (const f of r.files) {
      if (this.files.includes(f.file)) this.fail(nftError('semantic', `include loop: ${f.file} is already being read`, path.loc, path.length));
      const toks = this.lexFile(f.text, f.file);
      spliced.push(...toks.slice(0, -1), { ...toks[toks.length - 1]!, kind: 'newline', text: '\n' });
    }
    this.toks.splice(this.pos, 0, ...spliced);
  }

  private enterTable(table: Table): void {
    this.family = table.family;
    this.scopes.push(new Map());
  }

  private leaveTable(): void {
    this.scopes.pop();
  }

  // -------------------------------------------------------------------------------------------
  // table body
  // -------------------------------------------------------------------------------------------

  private parseTableBody(table: Table): void {
    this.expectPunct('{');
    this.enterTable(table);
    try {
      for (;;) {
        this.skipSeparators();
        const t = this.peek();
        if (t.kind === 'punct' && t.text === '}') break;
        if (t.kind !== 'word') this.expected('chain, set, map, flowtable, ct helper, counter, quota, define, flags or "}"');
        switch (t.text) {
          case 'chain': {
            this.next();
            const name = this.expectName('a chain name');
            const chain = this.builder.ensureChain(table, name.text, t.loc);
            if (chain.handle === null) chain.handle = this.handleAt(t.loc);
            this.expectPunct('{');
            this.parseChainBody(table, chain);
            this.expectPunct('}');
            break;
          }
          case 'set':
          case 'map':
            this.next();
            this.parseSetBodyDecl(table, t.text, t.loc);
            break;
          case 'flowtable':
            this.next();
            this.parseFlowtableDecl(table, t.loc, true);
            break;
          case 'ct':
            this.next();
            if (!this.isWord('helper')) this.unsupportedCtObject();
            this.next();
            this.parseCtHelperDecl(table, t.loc, true);
            break;
          case 'counter':
          case 'quota':
            this.next();
            this.parseObjectDecl(table, t.text, t.loc, true);
            break;
          case 'define':
          case 'redefine':
            this.parseDefine();
            break;
          case 'include':
            this.parseInclude();
            break;
          case 'flags': {
            this.next();
            do {
              const f = this.expectName('a table flag (dormant, owner, persist)');
              if (f.text !== 'dormant' && f.text !== 'owner' && f.text !== 'persist') this.expected('a table flag (dormant, owner, persist)', f);
              if (!table.flags.includes(f.text)) table.flags.push(f.text);
            } while (this.acceptPunct(','));
            this.endOfLine('the flags');
            break;
          }
          case 'comment': {
            this.next();
            table.comment = this.expectString('a quoted comment');
            this.endOfLine('the comment');
            break;
          }
          case 'limit':
          case 'secmark':
          case 'synproxy':
            this.fail(unsupported(`named ${t.text} objects`, t.loc, t.length));
          default:
            this.expected('chain, set, map, flowtable, ct helper, counter, quota, define, flags or "}"');
        }
      }
      this.expectPunct('}');
    } finally {
      this.leaveTable();
    }
  }

  private unsupportedCtObject(): never {
    const t = this.peek();
    if (t.kind === 'word' && (t.text === 'timeout' || t.text === 'expectation')) this.fail(unsupported(`ct ${t.text} objects`, t.loc, t.length));
    this.expected('"helper" after "ct"');
  }

  private expectString(what: string): string {
    const t = this.peek();
    if (t.kind !== 'string') this.expected(what);
    this.next();
    return t.text;
  }

  private parseChainBody(table: Table, chain: Chain): void {
    let base: { type: ChainType; hook: Hook; priority: Priority; devices: string[]; loc: Loc } | null = null;
    let policy: 'accept' | 'drop' | null = null;
    for (;;) {
      this.skipSeparators();
      const t = this.peek();
      if (t.kind === 'eof' || (t.kind === 'punct' && t.text === '}')) break;
      if (t.kind === 'word' && t.text === 'type') {
        this.next();
        const ty = this.expectName('a chain type (filter, nat, route)');
        if (!(CHAIN_TYPES as readonly string[]).includes(ty.text)) this.expected('a chain type (filter, nat, route)', ty);
        this.expectWord('hook');
        const hk = this.expectName('a hook (prerouting, input, forward, output, postrouting, ingress, egress)');
        if (!(HOOKS as readonly string[]).includes(hk.text)) this.expected('a hook (prerouting, input, forward, output, postrouting, ingress, egress)', hk);
        const devices: string[] = [];
        if (this.acceptWord('device')) devices.push(this.expectName('a device name').text);
        else if (this.isWord('devices')) {
          this.next();
          this.expectPunct('=');
          devices.push(...this.parseDeviceList());
        }
        this.expectWord('priority');
        const priority = this.parsePriority(table.family, false);
        base = { type: ty.text as ChainType, hook: hk.text as Hook, priority, devices, loc: t.loc };
        this.endOfLine('the chain type');
        continue;
      }
      if (t.kind === 'word' && t.text === 'policy') {
        this.next();
        const p = this.expectName('a policy (accept, drop)');
        if (p.text !== 'accept' && p.text !== 'drop') this.expected('a policy (accept, drop)', p);
        policy = p.text;
        this.endOfLine('the policy');
        continue;
      }
      if (t.kind === 'word' && t.text === 'comment' && this.peek(1).kind === 'string') {
        this.next();
        chain.comment = this.next().text;
        this.endOfLine('the comment');
        continue;
      }
      if (t.kind === 'word' && t.text === 'devices' && this.isPunct('=', 1)) {
        this.next();
        this.next();
        const devs = this.parseDeviceList();
        if (base) base.devices.push(...devs);
        this.endOfLine('the devices');
        continue;
      }
      chain.rules.push(this.parseRule());
    }
    if (base) this.builder.setBase(chain, { type: base.type, hook: base.hook, priority: base.priority, policy: policy ?? 'accept', devices: base.devices } satisfies BaseChainInfo);
    else if (policy !== null) this.fail(nftError('semantic', `chain "${chain.name}" has a policy but no "type … hook … priority …": only base chains have a policy`, chain.loc));
  }

  /** `priority filter`, `priority -150`, `priority srcnat + 5`, `priority 0`. */
  private parsePriority(family: string, flowtable: boolean): Priority {
    const t = this.peek();
    let value: number;
    let spelling: string;
    if (t.kind === 'word') {
      this.next();
      const table = family === 'bridge' ? BRIDGE_PRIORITIES : NAMED_PRIORITIES;
      const v = table[t.text];
      if (v === undefined) this.expected(`a priority (a number or ${Object.keys(table).join(', ')})`, t);
      if (flowtable && t.text !== 'filter') {
        // nft: flowtables accept "filter" ± N only (evaluate.c flowtable_evaluate → "unknown priority").
        this.errors.push(nftError('semantic', `flowtable priority "${t.text}" is not accepted by nft: use a number or "filter" ± N (e.g. "priority filter" or "priority filter + 10")`, t.loc, t.length));
      }
      value = v;
      spelling = t.text;
      if (this.isPunct('+') || this.isPunct('-')) {
        const sign = this.next().text;
        const n = this.expectNumber('a number after the priority name');
        value += sign === '+' ? n : -n;
        spelling = `${t.text} ${sign} ${n}`;
      }
    } else {
      const neg = this.acceptPunct('-');
      const n = this.expectNumber('a priority (a number or a name such as filter)');
      value = neg ? -n : n;
      spelling = String(value);
    }
    return { value, spelling };
  }

  private parseDeviceList(): string[] {
    const out: string[] = [];
    if (this.acceptPunct('{')) {
      this.skipNewlines();
      if (this.acceptPunct('}')) return out;
      do {
        this.skipNewlines();
        out.push(this.expectName('a device name').text);
        this.skipNewlines();
      } while (this.acceptPunct(','));
      this.skipNewlines();
      this.expectPunct('}');
      return out;
    }
    out.push(this.expectName('a device name or "{ … }"').text);
    return out;
  }

  // -------------------------------------------------------------------------------------------
  // sets, maps, flowtables, objects
  // -------------------------------------------------------------------------------------------

  private parseSetBodyDecl(table: Table, kind: string, loc: Loc): void {
    this.parseSetDecl(table, kind, loc, true);
  }

  private parseSetDecl(table: Table, kind: string, loc: Loc, inTable = false): void {
    const name = inTable ? this.expectName(`a ${kind} name`) : this.expectName(`a ${kind} name`);
    this.expectPunct('{');
    let key: TypeSpec | null = null;
    let data: TypeSpec | null = null;
    const flags: SetFlag[] = [];
    let timeout: number | null = null;
    let gcInterval: number | null = null;
    let size: number | null = null;
    let policy: 'performance' | 'memory' | null = null;
    let counter = false;
    let autoMerge = false;
    let comment: string | null = null;
    let elementsAt: number | null = null;
    let elements: SetElement[] = [];
    for (;;) {
      this.skipSeparators();
      const t = this.peek();
      if (t.kind === 'punct' && t.text === '}') break;
      if (t.kind !== 'word') this.expected('type, typeof, flags, timeout, size, elements, … or "}"');
      this.next();
      switch (t.text) {
        case 'type':
        case 'typeof': {
          key = this.parseTypeSpec(t.text);
          if (kind === 'map') {
            this.expectPunct(':');
            const dt = this.peek();
            if (dt.kind === 'word' && (dt.text === 'verdict' || isDataType(dt.text) || dt.text === 'interval' || t.text === 'type')) data = this.parseTypeSpec('type');
            else data = this.parseTypeSpec('typeof');
          }
          break;
        }
        case 'flags':
          do {
            const f = this.expectName('a set flag (constant, interval, timeout, dynamic)');
            if (f.text !== 'constant' && f.text !== 'interval' && f.text !== 'timeout' && f.text !== 'dynamic') this.expected('a set flag (constant, interval, timeout, dynamic)', f);
            if (!flags.includes(f.text)) flags.push(f.text);
          } while (this.acceptPunct(','));
          break;
        case 'timeout':
          timeout = this.parseTimeArg();
          break;
        case 'gc-interval':
          gcInterval = this.parseTimeArg();
          break;
        case 'size':
          size = this.expectNumber('a size');
          break;
        case 'policy': {
          const p = this.expectName('a set policy (performance, memory)');
          if (p.text !== 'performance' && p.text !== 'memory') this.expected('a set policy (performance, memory)', p);
          policy = p.text;
          break;
        }
        case 'counter':
          counter = true;
          break;
        case 'auto-merge':
          autoMerge = true;
          break;
        case 'comment':
          comment = this.expectString('a quoted comment');
          break;
        case 'elements': {
          if (key === null) this.fail(nftError('semantic', `set "${name.text}": declare "type" or "typeof" before "elements"`, t.loc, t.length));
          this.expectPunct('=');
          elementsAt = this.pos;
          const lit = this.parseSetLiteral(key.fields.map((f) => f.dtype), data ? data.fields.map((f) => f.dtype) : null);
          elements = lit.elements;
          break;
        }
        default:
          this.expected('type, typeof, flags, timeout, size, elements, … or "}"', t);
      }
      this.endOfLine(`"${t.text}"`);
    }
    this.expectPunct('}');
    if (key === null) this.fail(nftError('syntax', `${kind} "${name.text}" needs a "type" or "typeof" declaration`, name.loc, name.length));
    void elementsAt;
    const set: NamedSet = {
      kind: kind === 'map' ? 'map' : 'set', name: name.text, key, data, flags, timeout, gcInterval, size, policy, counter, autoMerge,
      comment, elements, handle: this.handleAt(loc), loc,
    };
    this.checkIntervalElements(set);
    this.builder.addSet(table, set);
  }

  /** Ranges and prefixes need `flags interval` (nft: "You must add 'flags interval' to your set"). */
  private checkIntervalElements(set: NamedSet): void {
    if (set.flags.includes('interval')) return;
    for (const e of set.elements) {
      const k = e.key;
      const parts = k.kind === 'concat' ? k.parts : [k];
      const bad = parts.find((p) => p.kind === 'range' || p.kind === 'prefix');
      if (bad) {
        this.errors.push(nftError('semantic', `set "${set.name}" holds a ${bad.kind}: add "flags interval" to the set declaration`, bad.loc));
        return;
      }
    }
  }

  private parseTimeArg(): number {
    const t = this.peek();
    if (t.kind === 'number' || t.kind === 'word') {
      const r = constOf(t.kind, t.text, 'time', t.loc);
      if (r.ok && r.value.kind === 'int') {
        this.next();
        return r.value.value;
      }
    }
    this.expected('a time (e.g. 30s, 10m, 1h)');
  }

  /** `type ipv4_addr . inet_service` or `typeof ip saddr . tcp dport`. */
  private parseTypeSpec(spelling: 'type' | 'typeof'): TypeSpec {
    const fields: KeyField[] = [];
    if (spelling === 'type') {
      this.acceptWord('interval');
      do {
        const t = this.expectName('a data type (ipv4_addr, ipv6_addr, inet_service, ifname, …)');
        if (!isDataType(t.text)) {
          this.fail(nftError('syntax', `expected a data type (ipv4_addr, ipv6_addr, ether_addr, inet_proto, inet_service, mark, ifname, verdict, …), found "${t.text}"`, t.loc, t.length));
        }
        fields.push({ dtype: t.text, bits: DTYPE_BITS[t.text] });
      } while (this.acceptPunct('.'));
      return { fields, spelling: { kind: 'type' } };
    }
    const exprs: Expr[] = [];
    do {
      const e = this.parseSelector();
      const info = selectorInfo(e);
      exprs.push(e);
      fields.push({ dtype: info.dtype, bits: info.bits });
    } while (this.acceptPunct('.'));
    return { fields, spelling: { kind: 'typeof', exprs } };
  }

  private parseFlowtableDecl(table: Table, loc: Loc, _inTable = false): void {
    const name = this.expectName('a flowtable name');
    this.expectPunct('{');
    let hookSeen = false;
    let priority: Priority = { value: 0, spelling: '0' };
    const devices: string[] = [];
    let counter = false;
    let offload = false;
    for (;;) {
      this.skipSeparators();
      const t = this.peek();
      if (t.kind === 'punct' && t.text === '}') break;
      if (t.kind !== 'word') this.expected('hook, devices, counter, flags or "}"');
      this.next();
      switch (t.text) {
        case 'hook': {
          const h = this.expectName('"ingress"');
          if (h.text !== 'ingress') {
            // nf_tables_flowtable_parse_hook_spec: anything but NF_NETDEV_INGRESS is -EOPNOTSUPP.
            this.errors.push(nftError('semantic', `flowtable hook must be "ingress" (the kernel refuses "${h.text}" with "Operation not supported")`, h.loc, h.length));
          }
          hookSeen = true;
          this.expectWord('priority');
          priority = this.parsePriority(table.family, true);
          break;
        }
        case 'devices':
          this.expectPunct('=');
          devices.push(...this.parseDeviceList());
          break;
        case 'counter':
          counter = true;
          break;
        case 'flags':
          do {
            const f = this.expectName('a flowtable flag (offload)');
            if (f.text !== 'offload') this.expected('a flowtable flag (offload)', f);
            offload = true;
          } while (this.acceptPunct(','));
          break;
        default:
          this.expected('hook, devices, counter, flags or "}"', t);
      }
      this.endOfLine(`"${t.text}"`);
    }
    this.expectPunct('}');
    if (!hookSeen) this.errors.push(nftError('semantic', `flowtable "${name.text}" needs "hook ingress priority …"`, name.loc, name.length));
    if (table.family !== 'ip' && table.family !== 'ip6' && table.family !== 'inet') {
      this.errors.push(nftError('semantic', `flowtables live in ip, ip6 or inet tables, not ${table.family}`, loc));
    }
    this.builder.addFlowtable(table, {
      kind: 'flowtable', name: name.text, hook: 'ingress', priority, devices, counter, offload, flagsKnown: true, handle: this.handleAt(loc), loc,
    });
  }

  private parseCtHelperDecl(table: Table, loc: Loc, _inTable = false): void {
    const name = this.expectName('a ct helper name');
    this.expectPunct('{');
    let helper: string | null = null;
    let protocol: 'tcp' | 'udp' = 'tcp';
    let l3proto: 'ip' | 'ip6' | 'inet' | null = null;
    let comment: string | null = null;
    for (;;) {
      this.skipSeparators();
      const t = this.peek();
      if (t.kind === 'punct' && t.text === '}') break;
      if (t.kind !== 'word') this.expected('type, l3proto, comment or "}"');
      this.next();
      if (t.text === 'type') {
        helper = this.expectString('a quoted helper name such as "ftp"');
        this.expectWord('protocol');
        const p = this.expectName('tcp or udp');
        if (p.text !== 'tcp' && p.text !== 'udp') this.expected('tcp or udp', p);
        protocol = p.text;
      } else if (t.text === 'l3proto') {
        const p = this.expectName('ip, ip6 or inet');
        if (p.text !== 'ip' && p.text !== 'ip6' && p.text !== 'inet') this.expected('ip, ip6 or inet', p);
        l3proto = p.text;
      } else if (t.text === 'comment') comment = this.expectString('a quoted comment');
      else this.expected('type, l3proto, comment or "}"', t);
      this.endOfLine(`"${t.text}"`);
    }
    this.expectPunct('}');
    if (helper === null) this.fail(nftError('syntax', `ct helper "${name.text}" needs 'type "NAME" protocol tcp|udp'`, name.loc, name.length));
    this.builder.addObject(table, { kind: 'ct-helper', name: name.text, helper, protocol, l3proto, comment, handle: this.handleAt(loc), loc });
  }

  private parseObjectDecl(table: Table, kind: string, loc: Loc, _inTable = false): void {
    const name = this.expectName(`a ${kind} name`);
    let packets = 0;
    let bytes = 0;
    let used = 0;
    let over = false;
    let comment: string | null = null;
    if (this.acceptPunct('{')) {
      for (;;) {
        this.skipSeparators();
        const t = this.peek();
        if (t.kind === 'punct' && t.text === '}') break;
        if (t.kind === 'word' && t.text === 'comment') {
          this.next();
          comment = this.expectString('a quoted comment');
        } else if (kind === 'counter') {
          if (this.acceptWord('packets')) packets = this.expectNumber('a packet count');
          else if (this.acceptWord('bytes')) bytes = this.expectNumber('a byte count');
          else this.expected('packets, bytes or "}"');
        } else {
          over = this.acceptWord('over') || over;
          if (this.acceptWord('until')) over = false;
          bytes = this.parseByteAmount();
          if (this.acceptWord('used')) used = this.parseByteAmount();
        }
      }
      this.expectPunct('}');
    }
    if (kind === 'counter') this.builder.addObject(table, { kind: 'counter', name: name.text, packets, bytes, comment, handle: this.handleAt(loc), loc });
    else this.builder.addObject(table, { kind: 'quota', name: name.text, bytes, used, over, comment, handle: this.handleAt(loc), loc });
  }

  /** `N [bytes|kbytes|mbytes|gbytes]` → bytes. */
  private parseByteAmount(): number {
    const n = this.expectNumber('a byte amount');
    const u = this.peek();
    if (u.kind === 'word') {
      const mult = BYTE_UNITS[u.text];
      if (mult !== undefined) {
        this.next();
        return n * mult;
      }
    }
    return n;
  }

  // -------------------------------------------------------------------------------------------
  // rules and statements
  // -------------------------------------------------------------------------------------------

  private parseRule(): Rule {
    const start = this.peek();
    const stmts: Stmt[] = [];
    let comment: string | null = null;
    while (!this.atSeparator()) {
      if (this.isWord('comment') && this.peek(1).kind === 'string') {
        this.next();
        comment = this.next().text;
        continue;
      }
      stmts.push(this.parseStmt());
    }
    if (stmts.length === 0) this.expected('a statement');
    const end = this.last ?? start;
    const handle = this.handleAt(end.loc);
    return { kind: 'rule', stmts, comment, handle, loc: start.loc };
  }

  private parseStmt(): Stmt {
    const t = this.peek();
    if (t.kind === 'word') {
      const unsup = UNSUPPORTED_STMTS[t.text];
      if (unsup !== undefined) this.fail(unsupported(unsup, t.loc, t.length));
      switch (t.text) {
        case 'accept':
        case 'drop':
        case 'continue':
        case 'return':
        case 'jump':
        case 'goto':
          return this.parseVerdict();
        case 'counter':
          return this.parseCounterStmt();
        case 'limit':
          return this.parseLimitStmt();
        case 'quota':
          return this.parseQuotaStmt();
        case 'log':
          return this.parseLogStmt();
        case 'reject':
          return this.parseRejectStmt();
        case 'snat':
        case 'dnat':
        case 'masquerade':
        case 'redirect':
          return this.parseNatStmt();
        case 'notrack':
          this.next();
          return { kind: 'notrack', loc: t.loc };
        case 'flow': {
          this.next();
          const op = this.peek();
          if (op.kind === 'word' && (op.text === 'add' || op.text === 'offload')) {
            this.next();
            const ref = this.peek();
            if (ref.kind !== 'ref') this.expected('a flowtable reference such as "@ft"');
            this.next();
            return { kind: 'flow-add', flowtable: ref.text, loc: t.loc };
          }
          if (op.kind === 'word' && op.text === 'table') this.fail(unsupported('"flow table" (the old meter syntax)', op.loc, op.length));
          this.expected('"add @flowtable" or "offload @flowtable" after "flow"');
        }
        // falls through (unreachable)
        case 'add':
        case 'update':
        case 'delete':
          if (this.peek(1).kind === 'ref') return this.parseSetUpdate();
          break;
        case 'ct': {
          const k = this.peek(1);
          if (k.kind === 'word' && k.text === 'helper' && this.isWord('set', 2)) {
            this.next();
            this.next();
            this.next();
            const name = this.expectName('a ct helper name');
            return { kind: 'objref', objType: 'ct helper', name: name.text, loc: t.loc };
          }
          if (k.kind === 'word' && k.text === 'count') {
            this.next();
            this.next();
            const over = this.acceptWord('over');
            const count = this.expectNumber('a connection count');
            return { kind: 'connlimit', count, over, loc: t.loc };
          }
          if (k.kind === 'word' && (k.text === 'timeout' || k.text === 'expectation' || k.text === 'zone' || k.text === 'label' || k.text === 'event') && this.isWord('set', 2)) {
            this.fail(unsupported(`ct ${k.text} set`, t.loc, t.length));
          }
          break;
        }
        default:
          break;
      }
    }
    return this.parseExprStmt();
  }

  private parseVerdict(): Verdict {
    const t = this.next();
    const code = t.text as VerdictCode;
    if (code === 'jump' || code === 'goto') {
      const target = this.expectName('a chain name');
      return { kind: 'verdict', code, chain: target.text, loc: t.loc };
    }
    return { kind: 'verdict', code, chain: null, loc: t.loc };
  }

  private parseCounterStmt(): Stmt {
    const t = this.next();
    if (this.acceptWord('name')) {
      const name = this.expectName('a counter name');
      return { kind: 'objref', objType: 'counter', name: name.text, loc: t.loc };
    }
    let packets = 0;
    let bytes = 0;
    if (this.acceptWord('packets')) {
      packets = this.expectNumber('a packet count');
      this.expectWord('bytes');
      bytes = this.expectNumber('a byte count');
    }
    return { kind: 'counter', packets, bytes, loc: t.loc };
  }

  private parseLimitStmt(): Stmt {
    const t = this.next();
    if (this.isWord('name')) this.fail(unsupported('named limit objects', this.peek().loc));
    this.expectWord('rate');
    let over = false;
    if (this.acceptWord('over')) over = true;
    else this.acceptWord('until');
    const n = this.expectNumber('a rate such as 25/second');
    let unit: 'packets' | 'bytes' = 'packets';
    let rate = n;
    const u = this.peek();
    if (u.kind === 'word' && BYTE_UNITS[u.text] !== undefined) {
      this.next();
      unit = 'bytes';
      rate = n * BYTE_UNITS[u.text]!;
    }
    this.expectPunct('/');
    const per = this.expectName('second, minute, hour, day or week');
    if (per.text !== 'second' && per.text !== 'minute' && per.text !== 'hour' && per.text !== 'day' && per.text !== 'week') this.expected('second, minute, hour, day or week', per);
    let burst = unit === 'packets' ? 5 : 0;
    if (this.acceptWord('burst')) {
      const b = this.expectNumber('a burst size');
      const bu = this.peek();
      if (bu.kind === 'word' && bu.text === 'packets') {
        this.next();
        burst = b;
      } else if (bu.kind === 'word' && BYTE_UNITS[bu.text] !== undefined) {
        this.next();
        burst = b * BYTE_UNITS[bu.text]!;
      } else burst = b;
    }
    return { kind: 'limit', rate, per: per.text, unit, burst, over, loc: t.loc };
  }

  private parseQuotaStmt(): Stmt {
    const t = this.next();
    if (this.acceptWord('name')) {
      const name = this.expectName('a quota name');
      return { kind: 'objref', objType: 'quota', name: name.text, loc: t.loc };
    }
    let over = false;
    if (this.acceptWord('over')) over = true;
    else this.acceptWord('until');
    const bytes = this.parseByteAmount();
    let used = 0;
    if (this.acceptWord('used')) used = this.parseByteAmount();
    return { kind: 'quota', bytes, used, over, loc: t.loc };
  }

  private parseLogStmt(): Stmt {
    const t = this.next();
    let prefix: string | null = null;
    let level: LogLevel | null = null;
    const flags: string[] = [];
    let group: number | null = null;
    for (;;) {
      if (this.acceptWord('prefix')) prefix = this.expectString('a quoted log prefix');
      else if (this.acceptWord('level')) {
        const l = this.expectName('a log level (emerg, alert, crit, err, warn, notice, info, debug, audit)');
        if (!(LOG_LEVELS as readonly string[]).includes(l.text)) this.expected('a log level (emerg, alert, crit, err, warn, notice, info, debug, audit)', l);
        level = l.text as LogLevel;
      } else if (this.acceptWord('group')) group = this.expectNumber('a log group');
      else if (this.acceptWord('snaplen') || this.acceptWord('queue-threshold')) this.expectNumber('a number');
      else if (this.acceptWord('flags')) {
        do {
          const f = this.expectName('a log flag (tcp sequence, tcp options, ip options, skuid, ether, all)');
          if (f.text === 'tcp' || f.text === 'ip') {
            do {
              const sub = this.expectName('sequence or options');
              flags.push(`${f.text} ${sub.text}`);
            } while (this.isPunct(',') && this.peek(1).kind === 'word' && (this.peek(1).text === 'options' || this.peek(1).text === 'sequence') && this.next() !== undefined);
          } else flags.push(f.text);
        } while (this.acceptPunct(','));
      } else break;
    }
    return { kind: 'log', prefix, level, flags, group, loc: t.loc };
  }

  private parseRejectStmt(): Stmt {
    const t = this.next();
    if (!this.acceptWord('with')) return { kind: 'reject', type: null, code: null, loc: t.loc };
    const kind = this.expectName('tcp reset, icmp, icmpv6 or icmpx');
    if (kind.text === 'tcp') {
      this.expectWord('reset');
      return { kind: 'reject', type: 'tcp reset', code: null, loc: t.loc };
    }
    if (kind.text !== 'icmp' && kind.text !== 'icmpv6' && kind.text !== 'icmpx') this.expected('tcp reset, icmp, icmpv6 or icmpx', kind);
    this.acceptWord('type');
    const dtype: DataType = kind.text === 'icmp' ? 'icmp_code' : kind.text === 'icmpv6' ? 'icmpv6_code' : 'icmpx_code';
    const v = this.parseAtom(dtype);
    if (v.kind !== 'int') this.expected(expectedOf(dtype));
    return { kind: 'reject', type: kind.text, code: v.value, loc: t.loc };
  }

  private parseNatStmt(): NatStmt {
    const t = this.next();
    const type = t.text as NatStmt['type'];
    let family: 'ip' | 'ip6' | null = null;
    const fam = this.peek();
    if (fam.kind === 'word' && (fam.text === 'ip' || fam.text === 'ip6') && !this.isFieldOf(fam.text, 1)) {
      this.next();
      family = fam.text;
    }
    let addr: Expr | null = null;
    let port: Expr | null = null;
    const hasTo = this.acceptWord('to');
    const addrType = (): DataType => (family === 'ip6' || (family === null && this.family === 'ip6') ? 'ipv6_addr' : 'ipv4_addr');
    if (type === 'snat' || type === 'dnat') {
      if (this.isSelectorStart()) {
        const key = this.parseLhs();
        addr = this.parseMapLookup(key, [this.inferFamilyType(family)]);
      } else if (this.isPunct(':')) {
        this.next();
        port = this.parsePortSpec();
      } else {
        addr = this.parseNatAddr(family);
        if (this.isPunct(':') && !this.peek().spaced) {
          this.next();
          port = this.parsePortSpec();
        }
      }
      if (addr !== null && family === null && this.family === 'inet') {
        // An inet table needs `ip`/`ip6` in nft; it infers it from the address (evaluate.c nat_evaluate_family).
        family = addrFamily(addr);
      }
    } else if (hasTo) {
      this.acceptPunct(':');
      port = this.parsePortSpec();
    }
    void addrType;
    const flags: NatFlag[] = [];
    for (;;) {
      const f = this.peek();
      if (f.kind === 'word' && (f.text === 'random' || f.text === 'fully-random' || f.text === 'persistent' || f.text === 'netmap')) {
        this.next();
        if (!flags.includes(f.text)) flags.push(f.text);
        this.acceptPunct(',');
      } else break;
    }
    return { kind: 'nat', type, family, addr, port, flags, loc: t.loc };
  }

  private inferFamilyType(family: 'ip' | 'ip6' | null): DataType {
    return family === 'ip6' || (family === null && this.family === 'ip6') ? 'ipv6_addr' : 'ipv4_addr';
  }

  /** A NAT address: `1.2.3.4`, `1.2.3.4-1.2.3.9`, `10.0.0.0/24`, `[2001:db8::1]`. */
  private parseNatAddr(family: 'ip' | 'ip6' | null): Expr {
    const bracket = this.acceptPunct('[');
    const t = this.peek();
    let dtype: DataType = this.inferFamilyType(family);
    if (family === null && t.kind === 'addr') dtype = t.text.includes(':') ? 'ipv6_addr' : 'ipv4_addr';
    const e = this.parseRangeOrPrefix(dtype);
    if (bracket) this.expectPunct(']');
    return e;
  }

  private parsePortSpec(): Expr {
    if (this.isSelectorStart()) {
      const key = this.parseLhs();
      return this.parseMapLookup(key, ['inet_service']);
    }
    return this.parseRangeOrPrefix('inet_service');
  }

  /** `KEY map { k : v }` / `KEY map @m` after the key. */
  private parseMapLookup(key: Expr, dataTypes: DataType[]): Expr {
    const kw = this.expectWord('map');
    const map = this.parseMapRef(exprTypes(key), dataTypes);
    return { kind: 'map', key, map, loc: kw.loc };
  }

  private parseMapRef(keyTypes: DataType[], dataTypes: DataType[] | 'verdict'): SetExpr | { kind: 'setref'; name: string; loc: Loc } {
    const t = this.peek();
    if (t.kind === 'ref') {
      this.next();
      return { kind: 'setref', name: t.text, loc: t.loc };
    }
    return this.parseSetLiteral(keyTypes, dataTypes);
  }

  private parseSetUpdate(): Stmt {
    const t = this.next();
    const ref = this.next();
    this.expectPunct('{');
    this.skipNewlines();
    const key = this.parseLhs();
    let timeout: number | null = null;
    let data: Expr | null = null;
    const stmts: Stmt[] = [];
    for (;;) {
      this.skipNewlines();
      if (this.acceptWord('timeout')) timeout = this.parseTimeArg();
      else if (this.isWord('limit')) stmts.push(this.parseLimitStmt());
      else if (this.isWord('counter')) stmts.push(this.parseCounterStmt());
      else if (this.isWord('quota')) stmts.push(this.parseQuotaStmt());
      else if (this.acceptPunct(':')) data = this.isSelectorStart() ? this.parseLhs() : this.parseValueExpr(['integer']);
      else break;
    }
    this.expectPunct('}');
    return { kind: 'set-update', op: t.text as 'add' | 'update' | 'delete', set: ref.text, key, data, timeout, stmts, loc: t.loc };
  }

  /** A match, `vmap`, or `set` statement that starts with an expression. */
  private parseExprStmt(): Stmt {
    const start = this.peek();
    if (!this.isSelectorStart()) this.expected('a statement or a match (meta, ip, ip6, tcp, udp, ct, …)');
    const left = this.parseLhs();
    if (this.isWord('set')) {
      const kw = this.next();
      if (left.kind !== 'meta' && left.kind !== 'ct' && left.kind !== 'payload' && left.kind !== 'tcpopt') {
        this.fail(nftError('syntax', `expected a meta, ct, payload or tcp option field before "set"`, kw.loc, kw.length));
      }
      if (left.kind === 'meta' && (left.key === 'iif' || left.key === 'oif' || left.key === 'iifname' || left.key === 'oifname' || left.key === 'l4proto' || left.key === 'nfproto' || left.key === 'length')) {
        this.fail(nftError('semantic', `meta ${left.key} cannot be set`, left.loc));
      }
      const value = this.isSelectorStart() ? this.parseLhs() : this.parseValueExpr(exprTypes(left));
      return { kind: 'mangle', target: left, value, loc: start.loc };
    }
    if (this.isWord('vmap')) {
      this.next();
      const map = this.parseMapRef(exprTypes(left), 'verdict');
      return { kind: 'vmap', key: left, map, loc: start.loc };
    }
    const types = exprTypes(left);
    const opTok = this.peek();
    let op: MatchStmt['op'] | null = null;
    if (opTok.kind === 'punct' && (opTok.text === '==' || opTok.text === '!=' || opTok.text === '<' || opTok.text === '>' || opTok.text === '<=' || opTok.text === '>=')) {
      op = opTok.text;
      this.next();
    } else if (opTok.kind === 'word' && OP_WORDS[opTok.text] !== undefined) {
      op = OP_WORDS[opTok.text]!;
      this.next();
    } else if (opTok.kind === 'punct' && opTok.text === '!') {
      this.next();
      op = '!=';
    }
    if (this.atSeparator()) this.expected(`a value to match ${describeExpr(left)} against`);
    const flagType = types.length === 1 && BITMASK_DTYPES.has(types[0]!);
    const bitmask = flagType && left.kind !== 'binop';
    if (op === null && bitmask && !this.isPunct('{') && this.peek().kind !== 'ref') {
      // `tcp flags syn`, `ct state established,related`, `tcp flags syn / syn,fin,rst`.
      const value = this.parseFlagList(types[0]!);
      if (this.acceptPunct('/')) {
        const mask = this.parseFlagList(types[0]!);
        return { kind: 'match', op: '==', left: { kind: 'binop', op: '&', left, right: mask, loc: left.loc }, right: value, loc: start.loc };
      }
      return { kind: 'match', op: 'in', left, right: value, loc: start.loc };
    }
    if ((op === '==' || op === '!=') && flagType && !this.isPunct('{') && this.peek().kind !== 'ref') {
      // `ct state != established,related`, `tcp flags & (syn | ack) == syn | ack`: the list is one
      // OR-ed value compared exactly (nft emits `cmp neq reg 0x6`, not a test of any bit).
      return { kind: 'match', op, left, right: this.parseFlagList(types[0]!), loc: start.loc };
    }
    const right = this.parseRhs(types, op === null || op === '==' || op === '!=');
    return { kind: 'match', op: op ?? '==', left, right, loc: start.loc };
  }

  /** `established,related` or `syn` → one OR-ed value. */
  private parseFlagList(dtype: DataType): IntValue {
    const first = this.parseAtom(dtype);
    if (first.kind !== 'int') this.expected(expectedOf(dtype));
    let value = first.value;
    while (this.isPunct(',') || this.isPunct('|')) {
      this.next();
      const v = this.parseAtom(dtype);
      if (v.kind !== 'int') this.expected(expectedOf(dtype));
      value = (value | v.value) >>> 0;
    }
    return { kind: 'int', dtype, value, loc: first.loc };
  }

  /** The right side of a match: a value, range, prefix, concatenation, anonymous set or @set. */
  private parseRhs(types: DataType[], setsAllowed: boolean): Expr {
    const t = this.peek();
    if (t.kind === 'ref') {
      if (!setsAllowed) this.expected('a value (sets can only be matched with == or !=)');
      this.next();
      return { kind: 'setref', name: t.text, loc: t.loc };
    }
    if (t.kind === 'punct' && t.text === '{') {
      if (!setsAllowed) this.expected('a value (sets can only be matched with == or !=)');
      return this.parseSetLiteral(types, null);
    }
    return this.parseValueExpr(types);
  }

  /** A constant, range or prefix per field, joined by `.` for concatenations. */
  private parseValueExpr(types: DataType[]): Expr {
    const start = this.peek();
    const parts: Expr[] = [];
    for (let i = 0; i < types.length; i++) {
      if (i > 0) {
        if (!this.isPunct('.')) this.expected(`"." and the next field of the concatenation (${types.join(' . ')})`);
        this.next();
      }
      parts.push(this.parseRangeOrPrefix(types[i]!));
    }
    if (types.length === 1 && BITMASK_DTYPES.has(types[0]!) && (this.isPunct('|') || (this.isPunct(',') && false))) {
      // `(fin | syn)` style OR lists appear in masks only.
    }
    if (this.isPunct('.') && types.length >= 1) {
      const dot = this.peek();
      this.fail(nftError('semantic', `too many fields: the left side has ${types.length} (${types.join(' . ')})`, dot.loc));
    }
    return parts.length === 1 ? parts[0]! : { kind: 'concat', parts, loc: start.loc };
  }

  private parseRangeOrPrefix(dtype: DataType): Expr {
    const low = this.parseAtom(dtype);
    if (this.isPunct('-') && low.kind !== 'string') {
      this.next();
      const high = this.parseAtom(dtype);
      return { kind: 'range', low, high, loc: low.loc };
    }
    if (this.isPunct('/') && (low.kind === 'ip6' || (low.kind === 'int' && low.dtype === 'ipv4_addr'))) {
      this.next();
      const lenTok = this.peek();
      const len = this.expectNumber('a prefix length');
      const max = low.kind === 'ip6' ? 128 : 32;
      if (len > max) this.fail(nftError('semantic', `prefix length ${len} is longer than the address (${max} bits)`, lenTok.loc, lenTok.length));
      return { kind: 'prefix', value: maskPrefix(low, len), len, loc: low.loc };
    }
    return low;
  }

  /** One constant of `dtype`. A parenthesised OR list is allowed for bitmask types (`(fin | syn)`). */
  private parseAtom(dtype: DataType): ConstValue {
    const t = this.peek();
    // `fib … oif exists|missing`: nft's NFTA_FIB_F_PRESENT form, a boolean instead of an index.
    if (dtype === 'iface_index' && t.kind === 'word' && (t.text === 'exists' || t.text === 'missing')) {
      this.next();
      return { kind: 'int', dtype: 'boolean', value: t.text === 'exists' ? 1 : 0, loc: t.loc };
    }
    if (t.kind === 'punct' && t.text === '(') {
      this.next();
      const v = this.parseFlagList(dtype);
      this.expectPunct(')');
      return v;
    }
    if (t.kind === 'punct' && t.text === '[' && dtype === 'ipv6_addr') {
      this.next();
      const v = this.parseAtom(dtype);
      this.expectPunct(']');
      return v;
    }
    if (t.kind !== 'word' && t.kind !== 'number' && t.kind !== 'string' && t.kind !== 'addr') this.expected(expectedOf(dtype));
    let text = t.text;
    this.next();
    // Unquoted wildcard interface names: `eth*`.
    if ((dtype === 'ifname' || dtype === 'string') && this.isPunct('*') && !this.peek().spaced) {
      this.next();
      text += '*';
    }
    const r = constOf(t.kind as LiteralKind, text, dtype, t.loc);
    if (!r.ok) {
      const what = t.kind === 'addr' ? addrWhat(t.text) : describeToken(t);
      this.fail(nftError('semantic', `expected ${r.expected}, found ${what}`, t.loc, t.length));
    }
    return r.value;
  }

  /** `{ a, b-c, d . e, f : verdict }` with newlines allowed inside. */
  private parseSetLiteral(keyTypes: DataType[], dataTypes: DataType[] | 'verdict' | null): SetExpr {
    const open = this.expectPunct('{');
    const elements: SetElement[] = [];
    this.skipNewlines();
    if (this.acceptPunct('}')) return { kind: 'set', elements, loc: open.loc };
    for (;;) {
      this.skipNewlines();
      if (this.isPunct('}')) break;
      if (this.isPunct('{')) {
        // A `$var` holding a set, spliced into a set literal: nft flattens it.
        elements.push(...this.parseSetLiteral(keyTypes, dataTypes).elements);
      } else elements.push(this.parseElement(keyTypes, dataTypes));
      this.skipNewlines();
      if (this.acceptPunct(',')) continue;
      if (this.isPunct('}')) break;
      this.expected('"," or "}"');
    }
    this.expectPunct('}');
    return { kind: 'set', elements, loc: open.loc };
  }

  private parseElement(keyTypes: DataType[], dataTypes: DataType[] | 'verdict' | null): SetElement {
    const start = this.peek();
    // A `$var` holding a set inside a set literal (`{ $lan_subnets, 10.0.0.1 }`) is flattened.
    const key = this.parseValueExpr(keyTypes);
    let timeout: number | null = null;
    let expires: number | null = null;
    let comment: string | null = null;
    let counter: { packets: number; bytes: number } | null = null;
    let data: Expr | null = null;
    for (;;) {
      if (this.acceptWord('timeout')) timeout = this.parseTimeArg();
      else if (this.acceptWord('expires')) expires = this.parseTimeArg();
      else if (this.acceptWord('comment')) comment = this.expectString('a quoted comment');
      else if (this.isWord('counter')) {
        this.next();
        let packets = 0;
        let bytes = 0;
        if (this.acceptWord('packets')) {
          packets = this.expectNumber('a packet count');
          this.expectWord('bytes');
          bytes = this.expectNumber('a byte count');
        }
        counter = { packets, bytes };
      } else if (this.isPunct(':') && data === null) {
        if (dataTypes === null) this.expected('"," or "}" (this is a set, not a map)');
        this.next();
        if (dataTypes === 'verdict') {
          const v = this.peek();
          if (v.kind !== 'word' || !['accept', 'drop', 'continue', 'return', 'jump', 'goto'].includes(v.text)) this.expected('a verdict (accept, drop, jump CHAIN, goto CHAIN, return, continue)');
          data = this.parseVerdict();
        } else if (dataTypes.length === 1 && dataTypes[0] === 'verdict') {
          data = this.parseVerdict();
        } else data = this.parseValueExpr(dataTypes);
      } else break;
    }
    if (dataTypes !== null && data === null) this.expected('":" and the mapped value');
    return { kind: 'element', key: flattenNested(key), data, timeout, expires, comment, counter, loc: start.loc };
  }

  // -------------------------------------------------------------------------------------------
  // left-hand expressions (selectors)
  // -------------------------------------------------------------------------------------------

  private isFieldOf(proto: string, offset: number): boolean {
    const f = this.peek(offset);
    return f.kind === 'word' && isPayloadProtocol(proto) && PAYLOAD_FIELDS[proto][f.text] !== undefined;
  }

  private isSelectorStart(): boolean {
    const t = this.peek();
    if (t.kind !== 'word') return false;
    if (t.text === 'meta' || t.text === 'ct' || t.text === 'fib' || t.text === 'rt') return true;
    if (UNQUALIFIED_META.has(t.text)) return true;
    if (UNSUPPORTED_EXPRS[t.text] !== undefined || UNMODELLED_PAYLOAD.has(t.text)) return true;
    if (isPayloadProtocol(t.text)) return this.peek(1).kind === 'word';
    return false;
  }

  /** A selector, concatenations of selectors, and a trailing binary operation (`& mask`). */
  private parseLhs(): Expr {
    const start = this.peek();
    const parts: Expr[] = [this.parseBinop()];
    while (this.isPunct('.')) {
      this.next();
      parts.push(this.parseBinop());
    }
    return parts.length === 1 ? parts[0]! : { kind: 'concat', parts, loc: start.loc };
  }

  private parseBinop(): Expr {
    let e: Expr = this.parseSelector();
    for (;;) {
      const t = this.peek();
      // nft's keyword spellings of the operators: `and`, `or`, `xor`, `lshift`, `rshift`.
      const op = t.kind === 'punct' && (t.text === '&' || t.text === '|' || t.text === '^' || t.text === '<<' || t.text === '>>') ? t.text
        : t.kind === 'word' ? BINOP_WORDS[t.text] : undefined;
      if (op !== undefined) {
        this.next();
        const dtype: DataType = exprTypes(e)[0] ?? 'integer';
        const right: ConstValue = op === '<<' || op === '>>' ? this.parseAtom('integer') : this.parseAtom(dtype);
        e = { kind: 'binop', op, left: e, right, loc: e.loc };
      } else return e;
    }
  }

  private parseSelector(): Selector {
    const t = this.peek();
    if (t.kind !== 'word') this.expected('a match expression (meta, ip, ip6, tcp, udp, th, ct, fib, …)');
    const unsup = UNSUPPORTED_EXPRS[t.text];
    if (unsup !== undefined) this.fail(unsupported(unsup, t.loc, t.length));
    if (t.text === 'meta') {
      this.next();
      const k = this.expectName('a meta key (iifname, oifname, l4proto, nfproto, mark, …)');
      return this.metaExpr(k, t.loc);
    }
    if (UNQUALIFIED_META.has(t.text)) {
      this.next();
      return this.metaExpr(t, t.loc);
    }
    if (t.text === 'ct') return this.parseCt();
    if (t.text === 'fib') return this.parseFib();
    if (t.text === 'rt') {
      this.next();
      let family: 'ip' | 'ip6' | null = null;
      if (this.isWord('ip') || this.isWord('ip6')) family = this.next().text as 'ip' | 'ip6';
      const k = this.expectName('mtu, nexthop or classid');
      if (k.text === 'mtu') return { kind: 'rt', key: 'mtu', family, dtype: 'integer', bits: 16, loc: t.loc };
      if (k.text === 'nexthop') return { kind: 'rt', key: 'nexthop', family, dtype: family === 'ip6' ? 'ipv6_addr' : 'ipv4_addr', bits: family === 'ip6' ? 128 : 32, loc: t.loc };
      if (k.text === 'classid') return { kind: 'rt', key: 'classid', family, dtype: 'integer', bits: 32, loc: t.loc };
      this.expected('mtu, nexthop or classid', k);
    }
    if (UNMODELLED_PAYLOAD.has(t.text)) this.fail(unsupported(`${t.text} header matches (flowsim models ether, vlan, ip, ip6, tcp, udp, th, icmp and icmpv6)`, t.loc, t.length));
    if (isPayloadProtocol(t.text)) {
      this.next();
      const proto = t.text;
      if (proto === 'tcp' && this.isWord('option')) {
        this.next();
        const o = this.expectName('a tcp option');
        if (o.text !== 'maxseg') this.fail(unsupported(`tcp option ${o.text} (only maxseg size is modelled)`, o.loc, o.length));
        const f = this.expectName('size');
        if (f.text !== 'size') this.expected('"size"', f);
        return { kind: 'tcpopt', option: 'maxseg', field: 'size', dtype: 'integer', bits: 16, loc: t.loc };
      }
      const fieldTok = this.expectName(`a ${proto} header field`);
      const field = PAYLOAD_FIELDS[proto][fieldTok.text];
      if (field === undefined) {
        this.fail(nftError('syntax', `expected a ${proto} header field (${Object.keys(PAYLOAD_FIELDS[proto]).join(', ')}), found "${fieldTok.text}"`, fieldTok.loc, fieldTok.length));
      }
      const e: PayloadExpr = { kind: 'payload', protocol: proto, field: fieldTok.text, base: field.base, offset: field.offset, bits: field.bits, dtype: field.dtype, loc: t.loc };
      return e;
    }
    this.expected('a match expression (meta, ip, ip6, tcp, udp, th, ct, fib, …)');
  }

  private metaExpr(k: Token, loc: Loc): Selector {
    if (UNMODELLED_META.has(k.text)) this.fail(unsupported(`meta ${k.text}`, k.loc, k.length));
    if (!isMetaKey(k.text)) this.fail(nftError('syntax', `expected a meta key (iif, oif, iifname, oifname, iiftype, oiftype, l4proto, nfproto, protocol, mark, pkttype, length, nftrace), found "${k.text}"`, k.loc, k.length));
    const info = META_KEYS[k.text];
    return { kind: 'meta', key: k.text, dtype: info.dtype, bits: info.bits, loc };
  }

  private parseCt(): CtExpr {
    const t = this.next();
    let dir: 'original' | 'reply' | null = null;
    let family: 'ip' | 'ip6' | null = null;
    if (this.isWord('original') || this.isWord('reply')) dir = this.next().text as 'original' | 'reply';
    if (dir !== null && (this.isWord('ip') || this.isWord('ip6'))) family = this.next().text as 'ip' | 'ip6';
    const k = this.expectName('a ct key (state, status, mark, helper, direction, original saddr, …)');
    if (UNMODELLED_CT.has(k.text)) this.fail(unsupported(`ct ${k.text}`, k.loc, k.length));
    if (!CT_KEYS.has(k.text)) this.fail(nftError('syntax', `expected a ct key (state, status, mark, helper, direction, l3proto, protocol, saddr, daddr, proto-src, proto-dst, expiration), found "${k.text}"`, k.loc, k.length));
    const key = k.text as CtKey;
    if (dir === null && (key === 'saddr' || key === 'daddr' || key === 'proto-src' || key === 'proto-dst')) {
      this.fail(nftError('syntax', `ct ${key} needs a direction: "ct original ${key}" or "ct reply ${key}"`, k.loc, k.length));
    }
    if (dir !== null && !CT_DIR_KEYS.has(key)) this.fail(nftError('syntax', `ct ${key} takes no direction`, k.loc, k.length));
    let fam = family;
    if ((key === 'saddr' || key === 'daddr') && fam === null && this.family === 'ip6') fam = 'ip6';
    const info = ctKeyInfo(key, fam);
    return { kind: 'ct', key, dir, family, dtype: info.dtype, bits: info.bits, loc: t.loc };
  }

  private parseFib(): FibExpr {
    const t = this.next();
    const flags: FibExpr['flags'] = [];
    do {
      const f = this.expectName('saddr, daddr, mark, iif or oif');
      if (f.text !== 'saddr' && f.text !== 'daddr' && f.text !== 'mark' && f.text !== 'iif' && f.text !== 'oif') this.expected('saddr, daddr, mark, iif or oif', f);
      flags.push(f.text);
    } while (this.acceptPunct('.'));
    if (!flags.includes('saddr') && !flags.includes('daddr')) this.fail(nftError('syntax', 'fib needs saddr or daddr', t.loc, t.length));
    const r = this.expectName('oif, oifname or type');
    if (r.text === 'oif') return { kind: 'fib', flags, result: 'oif', dtype: 'iface_index', bits: 32, loc: t.loc };
    if (r.text === 'oifname') return { kind: 'fib', flags, result: 'oifname', dtype: 'ifname', bits: 128, loc: t.loc };
    if (r.text === 'type') return { kind: 'fib', flags, result: 'type', dtype: 'fib_addrtype', bits: 32, loc: t.loc };
    this.expected('oif, oifname or type', r);
  }
}

// ---------------------------------------------------------------------------------------------
// helpers
// ---------------------------------------------------------------------------------------------

/** Binary operators written as words (`ct mark or 0x10`). */
const BINOP_WORDS: Readonly<Record<string, '&' | '|' | '^' | '<<' | '>>'>> = { and: '&', or: '|', xor: '^', lshift: '<<', rshift: '>>' };

const OP_WORDS: Record<string, MatchStmt['op']> = { eq: '==', ne: '!=', lt: '<', gt: '>', le: '<=', ge: '>=' };

export const BYTE_UNITS: Record<string, number> = { bytes: 1, kbytes: 1024, mbytes: 1024 * 1024, gbytes: 1024 * 1024 * 1024 };

function addrWhat(text: string): string {
  if (text.includes(':') && text.split(':').length === 6 && !text.includes('::')) return `ethernet address ${text}`;
  return text.includes(':') ? `IPv6 address ${text}` : `IPv4 address ${text}`;
}

function addrFamily(e: Expr): 'ip' | 'ip6' | null {
  switch (e.kind) {
    case 'ip6':
      return 'ip6';
    case 'int':
      return e.dtype === 'ipv4_addr' ? 'ip' : null;
    case 'range':
      return addrFamily(e.low);
    case 'prefix':
      return addrFamily(e.value);
    default:
      return null;
  }
}

/** The data type and width a selector yields. */
export function selectorInfo(e: Expr): { dtype: DataType; bits: number } {
  switch (e.kind) {
    case 'meta':
    case 'payload':
    case 'ct':
    case 'fib':
    case 'rt':
    case 'tcpopt':
      return { dtype: e.dtype, bits: e.bits };
    case 'binop':
      return selectorInfo(e.left);
    default:
      return { dtype: 'integer', bits: 32 };
  }
}

/** Field types of an expression: one per concatenated part. */
export function exprTypes(e: Expr): DataType[] {
  if (e.kind === 'concat') return e.parts.map((p) => selectorInfo(p).dtype);
  return [selectorInfo(e).dtype];
}

function describeExpr(e: Expr): string {
  switch (e.kind) {
    case 'meta':
      return `meta ${e.key}`;
    case 'payload':
      return `${e.protocol} ${e.field}`;
    case 'ct':
      return `ct ${e.key}`;
    default:
      return e.kind;
  }
}

/** Clear host bits: nft stores `10.1.2.3/8` as 10.0.0.0/8. */
function maskPrefix(v: IntValue | Ip6Value, len: number): IntValue | Ip6Value {
  if (v.kind === 'int') {
    const mask = len === 0 ? 0 : (0xffffffff << (32 - len)) >>> 0;
    return { ...v, value: (v.value & mask) >>> 0 };
  }
  const words = v.words.map((w, i) => {
    const bitsHere = Math.max(0, Math.min(32, len - 32 * i));
    const mask = bitsHere === 0 ? 0 : (0xffffffff << (32 - bitsHere)) >>> 0;
    return (w & mask) >>> 0;
  }) as [number, number, number, number];
  return { ...v, words };
}

/** A set spliced in from a `$var` inside another set is not a value: keep the key as parsed. */
function flattenNested(e: Expr): Expr {
  return e;
}

function stripLoc(e: unknown): unknown {
  if (Array.isArray(e)) return e.map(stripLoc);
  if (e !== null && typeof e === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e)) if (k !== 'loc') out[k] = stripLoc(v);
    return out;
  }
  return e;
}
