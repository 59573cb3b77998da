/** Telnet command bytes (RFC 854). */
const Telnet = {
  SE: 240,
  SB: 250,
  WILL: 251,
  WONT: 252,
  DO: 253,
  DONT: 254,
  IAC: 255,
} as const;

/** Telnet option numbers this client uses. */
const BINARY = 0;
const ECHO = 1;
const SGA = 3;
/** Options the server may enable on its side: binary, echo and suppress-go-ahead (RFC 856, 857, 858). */
const ACCEPTED_FROM_SERVER = new Set([BINARY, ECHO, SGA]);
/** Options this client enables on its own side when asked: binary only (8-bit clean input, UTF-8). */
const OFFERED_BY_CLIENT = new Set([BINARY]);

type State = 'data' | 'iac' | 'option' | 'sb' | 'sb-iac';

/**
 * Splits a telnet byte stream into data and negotiation, and answers the negotiation as a minimal
 * client: it asks for binary transmission both ways (without it telnetd strips the 8th bit and UTF-8
 * is lost), enables nothing else on its side (every other DO gets WONT) and lets the server echo and
 * suppress go-ahead (WILL BINARY/ECHO/SGA get DO; every other WILL gets DONT). Following RFC 1143 it answers
 * only requests that would change an option's state, so two peers never loop. Subnegotiations are
 * skipped (none is ever agreed). Commands split across chunks are handled.
 */
export class TelnetNegotiator {
  private state: State = 'data';
  private verb = 0;
  /** Options enabled on the server's side. */
  private readonly serverEnabled = new Set<number>();
  /** Options enabled (or requested) on our side. */
  private readonly clientEnabled = new Set<number>();
  /** Options we already refused, per verb, so a repeated request is not answered again. */
  private readonly refused = new Set<string>();

  /** The requests to send right after connecting: WILL BINARY and DO BINARY. */
  start(): Buffer {
    this.clientEnabled.add(BINARY);
    this.serverEnabled.add(BINARY);
    return Buffer.from([Telnet.IAC, Telnet.WILL, BINARY, Telnet.IAC, Telnet.DO, BINARY]);
  }

  /** Parses one chunk: returns its data bytes and the replies to send back (possibly empty). */
  feed(chunk: Buffer): { data: Buffer; reply: Buffer } {
    const data: number[] = [];
    const reply: number[] = [];
    for (const byte of chunk) {
      switch (this.state) {
        case 'data':
          if (byte === Telnet.IAC) this.state = 'iac';
          else data.push(byte);
          break;
        case 'iac':
          if (byte === Telnet.IAC) {
            data.push(Telnet.IAC);
            this.state = 'data';
          } else if (byte >= Telnet.WILL && byte <= Telnet.DONT) {
            this.verb = byte;
            this.state = 'option';
          } else if (byte === Telnet.SB) {
            this.state = 'sb';
          } else {
            // NOP, GA, DM, AYT and the like carry no data for us.
            this.state = 'data';
          }
          break;
        case 'option':
          reply.push(...this.answer(this.verb, byte));
          this.state = 'data';
          break;
        case 'sb':
          if (byte === Telnet.IAC) this.state = 'sb-iac';
          break;
        case 'sb-iac':
          this.state = byte === Telnet.SE ? 'data' : 'sb';
          break;
      }
    }
    return { data: Buffer.from(data), reply: Buffer.from(reply) };
  }

  /** True while our side transmits in binary (the server did not refuse it). */
  get clientBinary(): boolean {
    return this.clientEnabled.has(BINARY);
  }

  /** True when the server agreed to echo what we send. */
  get serverEchoes(): boolean {
    return this.serverEnabled.has(ECHO);
  }

  private answer(verb: number, option: number): number[] {
    const { IAC, DO, DONT, WILL, WONT } = Telnet;
    if (verb === WILL) {
      if (ACCEPTED_FROM_SERVER.has(option)) {
        if (this.serverEnabled.has(option)) return [];
        this.serverEnabled.add(option);
        return [IAC, DO, option];
      }
      return this.refuseOnce(`dont:${option}`, [IAC, DONT, option]);
    }
    if (verb === WONT) {
      if (!this.serverEnabled.delete(option)) return [];
      return [IAC, DONT, option];
    }
    if (verb === DO) {
      if (!OFFERED_BY_CLIENT.has(option)) return this.refuseOnce(`wont:${option}`, [IAC, WONT, option]);
      if (this.clientEnabled.has(option)) return [];
      this.clientEnabled.add(option);
      return [IAC, WILL, option];
    }
    // DONT: acknowledge only if it turns one of ours off.
    if (!this.clientEnabled.delete(option)) return [];
    return [IAC, WONT, option];
  }

  private refuseOnce(key: string, bytes: number[]): number[] {
    if (this.refused.has(key)) return [];
    this.refused.add(key);
    return bytes;
  }
}

/**
 * Escapes data for the wire: IAC doubled; a newline is CR LF in NVT mode, and CR alone in binary mode,
 * where telnetd hands bytes to the terminal as they are (whose CR→NL mapping ends the line; CR LF
 * would end it twice).
 */
export function telnetEncode(text: string, binary: boolean): Buffer {
  const bytes = Buffer.from(text.replace(/\r?\n/g, binary ? '\r' : '\r\n'), 'utf8');
  const out: number[] = [];
  for (const byte of bytes) {
    out.push(byte);
    if (byte === Telnet.IAC) out.push(Telnet.IAC);
  }
  return Buffer.from(out);
}
