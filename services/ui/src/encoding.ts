/** The content codings the build precompresses, best first. */
export const CODINGS = ['br', 'gzip'] as const;
export type Coding = (typeof CODINGS)[number];

/** `Accept-Encoding` as coding → weight (`q`, 1 when absent). */
function weights(header: string): Map<string, number> {
  const result = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    if (name === '') continue;
    const q = params.map((param) => /^\s*q=([\d.]+)\s*$/.exec(param)?.[1]).find(Boolean);
    const weight = q === undefined ? 1 : Number(q);
    result.set(name, Number.isFinite(weight) ? weight : 0);
  }
  return result;
}

/**
 * The coding to send among those `available`, as the client's `Accept-Encoding` allows
 * (RFC 9110 §12.5.3: `q=0` refuses, `*` stands for any coding not named); the highest weight
 * wins, brotli before gzip on a tie. `undefined`: send the identity.
 */
export function chooseCoding(
  acceptEncoding: string | undefined,
  available: readonly Coding[],
): Coding | undefined {
  if (!acceptEncoding) return undefined;
  const accepted = weights(acceptEncoding);
  const weightOf = (coding: Coding) => accepted.get(coding) ?? accepted.get('*') ?? 0;
  let best: Coding | undefined;
  for (const coding of CODINGS) {
    if (!available.includes(coding) || weightOf(coding) <= 0) continue;
    if (best === undefined || weightOf(coding) > weightOf(best)) best = coding;
  }
  return best;
}
