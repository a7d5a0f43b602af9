/**
 * The link layer of a frame a scenario host puts on its wire towards the router: the host's MAC
 * to the router's, with the encapsulation between them (VLAN tags, PPPoE session). Shared by the
 * traffic generator, capture replies, `flowsim trace` and the benchmarks, so every host-made frame
 * is framed the same way. Allocates nothing.
 */
import type { FrameSpec } from '../wire/builder.ts';
import { ETH_P_PPP_SES } from '../wire/ethernet.ts';
import type { BuiltHost } from './build.ts';

export function setHostL2(s: FrameSpec, h: BuiltHost): void {
  s.srcMacHi = h.macHi;
  s.srcMacLo = h.macLo;
  s.dstMacHi = h.routerMacHi;
  s.dstMacLo = h.routerMacLo;
  s.vlanCount = 0;
  s.pppoeSid = -1;
  for (let i = 0; i < 2; i++) {
    const w = i === 0 ? h.encap0 : h.encap1;
    if (w === 0) continue;
    if (w >>> 16 === ETH_P_PPP_SES) s.pppoeSid = w & 0xffff;
    else if (s.vlanCount === 0) { s.vlanTpid0 = w >>> 16; s.vlanTci0 = w & 0xfff; s.vlanCount = 1; }
    else { s.vlanTpid1 = w >>> 16; s.vlanTci1 = w & 0xfff; s.vlanCount = 2; }
  }
}
