/**
 * Verdict codes as nf_tables uses them (include/uapi/linux/netfilter/nf_tables.h, netfilter.h).
 *
 * Netfilter verdicts NF_DROP/NF_ACCEPT are what a hook entry returns; the negative NFT_* codes are
 * internal to one nft_do_chain() run. NF_STOLEN/NF_QUEUE are not modelled.
 */
export const NF_DROP = 0;
export const NF_ACCEPT = 1;
export const NFT_CONTINUE = -1;
export const NFT_BREAK = -2;
export const NFT_JUMP = -3;
export const NFT_GOTO = -4;
export const NFT_RETURN = -5;

/** NFT_JUMP_STACK_SIZE in include/net/netfilter/nf_tables.h. */
export const NFT_JUMP_STACK_SIZE = 16;

export function verdictName(code: number): string {
  switch (code) {
    case NF_DROP: return 'drop';
    case NF_ACCEPT: return 'accept';
    case NFT_CONTINUE: return 'continue';
    case NFT_BREAK: return 'break';
    case NFT_JUMP: return 'jump';
    case NFT_GOTO: return 'goto';
    case NFT_RETURN: return 'return';
    default: return `verdict ${code}`;
  }
}
