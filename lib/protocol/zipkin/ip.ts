// IP addresses between the text Zipkin's JSON carries and the bytes of its
// proto3 (4 or 16 bytes) and Thrift (an i32, 16 bytes) encodings. Written here
// because node:net validates text but converts neither way. IPv6 text is
// written as RFC 5952 recommends (lowercase, longest zero run as "::", mixed
// notation for IPv4-mapped addresses), so text from bytes is canonical.
import { isIPv4 } from 'node:net';

export function ipv4ToBytes(text: string): Uint8Array | undefined {
  if (!isIPv4(text)) return undefined;
  return Uint8Array.from(text.split('.'), Number);
}

export function ipv4FromBytes(b: Uint8Array): string {
  return `${b[0]}.${b[1]}.${b[2]}.${b[3]}`;
}

/** Thrift's Endpoint.ipv4: the address packed big-endian into an i32. */
export function ipv4FromInt(n: number): string {
  const u = n >>> 0;
  return `${u >>> 24}.${(u >>> 16) & 255}.${(u >>> 8) & 255}.${u & 255}`;
}

export function ipv4ToInt(text: string): number | undefined {
  const b = ipv4ToBytes(text);
  return b === undefined ? undefined : ((b[0]! << 24) | (b[1]! << 16) | (b[2]! << 8) | b[3]!) | 0;
}

const GROUP = /^[0-9a-fA-F]{1,4}$/;

/** The 16-bit groups of one side of "::"; an IPv4 tail counts as two groups. */
function groups(text: string, allowIpv4Tail: boolean): number[] | undefined {
  if (text === '') return [];
  const parts = text.split(':');
  const out: number[] = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (allowIpv4Tail && i === parts.length - 1 && p.includes('.')) {
      const v4 = ipv4ToBytes(p);
      if (v4 === undefined) return undefined;
      out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else if (GROUP.test(p)) {
      out.push(parseInt(p, 16));
    } else {
      return undefined;
    }
  }
  return out;
}

/** 16 bytes, or undefined for anything but plain IPv6 text (zone IDs included: they have no bytes). */
export function ipv6ToBytes(text: string): Uint8Array | undefined {
  if (text.length > 45) return undefined;
  const gap = text.indexOf('::');
  let words: number[] | undefined;
  if (gap < 0) {
    words = groups(text, true);
    if (words?.length !== 8) return undefined;
  } else {
    if (text.indexOf('::', gap + 1) >= 0) return undefined;
    const head = groups(text.slice(0, gap), false);
    const tail = groups(text.slice(gap + 2), true);
    if (head === undefined || tail === undefined || head.length + tail.length > 7) return undefined;
    words = [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
  }
  const out = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    out[2 * i] = words[i]! >> 8;
    out[2 * i + 1] = words[i]! & 255;
  }
  return out;
}

export function ipv6FromBytes(b: Uint8Array): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((b[i]! << 8) | b[i + 1]!);
  // ::ffff:a.b.c.d, as RFC 5952 section 5 recommends for IPv4-mapped addresses.
  if (words.slice(0, 5).every((w) => w === 0) && words[5] === 0xffff) {
    return `::ffff:${ipv4FromBytes(b.subarray(12, 16))}`;
  }
  // The longest run of two or more zero groups (the first of equals) becomes "::".
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (ws: number[]): string => ws.map((w) => w.toString(16)).join(':');
  if (best < 0) return hex(words);
  return `${hex(words.slice(0, best))}::${hex(words.slice(best + bestLen))}`;
}
