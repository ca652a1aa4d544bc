// Listing pictures for the demo: flat SVG illustrations generated from a listing's kind and
// colour (no photos to license, nothing to download). A real platform shows its photos here.

export type PropertyKind = 'house' | 'apartment' | 'townhouse';

const hsl = (h: number, s: number, l: number) => `hsl(${Math.round(((h % 360) + 360) % 360)} ${s}% ${l}%)`;

/** A window: glass with a light frame and a cross bar. */
function windowAt(x: number, y: number, w: number, h: number, glass: string): string {
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" rx="2" fill="${glass}" stroke="#fff" stroke-width="3"/><path d="M${x + w / 2} ${y}v${h}M${x} ${y + h / 2}h${w}" stroke="#fff" stroke-width="2"/>`;
}

function tree(x: number, ground: number, size: number, leaf: string): string {
  return `<rect x="${x - 4}" y="${ground - size * 0.9}" width="8" height="${size * 0.9}" fill="#7a5a3a"/><circle cx="${x}" cy="${ground - size}" r="${size * 0.55}" fill="${leaf}"/><circle cx="${x - size * 0.3}" cy="${ground - size * 0.75}" r="${size * 0.4}" fill="${leaf}"/><circle cx="${x + size * 0.32}" cy="${ground - size * 0.78}" r="${size * 0.38}" fill="${leaf}"/>`;
}

function house(hue: number): string {
  const wall = hsl(hue, 30, 93);
  const roof = hsl(hue, 50, 40);
  const trim = hsl(hue, 40, 30);
  const glass = hsl(205, 55, 76);
  return [
    `<rect x="396" y="120" width="22" height="46" fill="${trim}"/>`,
    `<rect x="170" y="168" width="300" height="142" fill="${wall}"/>`,
    `<rect x="470" y="218" width="110" height="92" fill="${hsl(hue, 22, 86)}"/>`,
    `<path d="M462 222 525 184 588 222Z" fill="${roof}"/>`,
    `<rect x="484" y="240" width="82" height="70" fill="${hsl(hue, 12, 78)}"/>`,
    `<path d="M484 254h82M484 268h82M484 282h82M484 296h82" stroke="${hsl(hue, 12, 68)}" stroke-width="2"/>`,
    `<path d="M148 176 320 84 492 176Z" fill="${roof}"/>`,
    `<path d="M148 176h344" stroke="${trim}" stroke-width="6" stroke-linecap="round"/>`,
    windowAt(196, 190, 54, 40, glass),
    windowAt(390, 190, 54, 40, glass),
    windowAt(196, 248, 54, 40, glass),
    windowAt(390, 248, 54, 40, glass),
    `<circle cx="320" cy="140" r="17" fill="${glass}" stroke="#fff" stroke-width="3"/>`,
    `<rect x="293" y="232" width="54" height="78" rx="3" fill="${trim}"/>`,
    `<circle cx="337" cy="273" r="3" fill="#f4d58d"/>`,
    `<rect x="284" y="226" width="72" height="6" fill="${roof}"/>`,
  ].join('');
}

function apartment(hue: number): string {
  const wall = hsl(hue, 18, 90);
  const side = hsl(hue, 22, 80);
  const glass = hsl(205, 55, 74);
  const windows: string[] = [];
  for (let row = 0; row < 7; row++) for (let col = 0; col < 4; col++) windows.push(`<rect x="${240 + col * 42}" y="${92 + row * 30}" width="28" height="18" rx="2" fill="${glass}"/>`);
  const sideWindows: string[] = [];
  for (let row = 0; row < 4; row++) for (let col = 0; col < 2; col++) sideWindows.push(`<rect x="${444 + col * 42}" y="${180 + row * 28}" width="26" height="16" rx="2" fill="${glass}"/>`);
  return [
    `<rect x="430" y="160" width="110" height="150" fill="${side}"/>`,
    sideWindows.join(''),
    `<rect x="222" y="70" width="196" height="240" fill="${wall}"/>`,
    `<rect x="214" y="62" width="212" height="12" rx="2" fill="${hsl(hue, 45, 38)}"/>`,
    windows.join(''),
    [0, 1, 2, 3, 4, 5].map((row) => `<path d="M230 ${118 + row * 30}h180" stroke="${hsl(hue, 20, 74)}" stroke-width="3"/>`).join(''),
    `<rect x="292" y="266" width="56" height="44" fill="${hsl(hue, 40, 32)}"/>`,
    `<path d="M320 266v44" stroke="${glass}" stroke-width="2"/>`,
    `<rect x="282" y="258" width="76" height="8" fill="${hsl(hue, 45, 38)}"/>`,
  ].join('');
}

function townhouse(hue: number): string {
  const parts: string[] = [];
  const glass = hsl(205, 55, 76);
  for (let i = 0; i < 3; i++) {
    const x = 150 + i * 114;
    const wall = hsl(hue + i * 14, 28, 90 - i * 4);
    const roof = hsl(hue + i * 14, 48, 40);
    parts.push(
      `<rect x="${x}" y="150" width="114" height="160" fill="${wall}" stroke="${hsl(hue, 20, 80)}" stroke-width="2"/>`,
      `<path d="M${x - 6} 154 ${x + 57} 100 ${x + 120} 154Z" fill="${roof}"/>`,
      windowAt(x + 18, 170, 34, 34, glass),
      windowAt(x + 62, 170, 34, 34, glass),
      windowAt(x + 62, 238, 34, 34, glass),
      `<rect x="${x + 18}" y="240" width="32" height="70" rx="2" fill="${hsl(hue + i * 14, 40, 30)}"/>`,
      `<rect x="${x + 10}" y="232" width="48" height="6" fill="${roof}"/>`,
    );
  }
  return parts.join('');
}

/**
 * An SVG illustration (640 × 360) of a listing of this kind, tinted with `hue`, as a
 * `data:` URL for an `<img>` (give it an `alt` saying what it shows).
 */
export function houseArt(kind: PropertyKind, hue: number): string {
  const leaf = hsl(130 + (hue % 20), 36, 40);
  const building = kind === 'apartment' ? apartment(hue) : kind === 'townhouse' ? townhouse(hue) : house(hue);
  const svg = [
    '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 360" preserveAspectRatio="xMidYMid slice">',
    `<defs><linearGradient id="sky" x1="0" y1="0" x2="0" y2="1"><stop offset="0" stop-color="${hsl(205, 70, 80)}"/><stop offset="1" stop-color="${hsl(hue, 60, 94)}"/></linearGradient></defs>`,
    '<rect width="640" height="360" fill="url(#sky)"/>',
    `<circle cx="470" cy="72" r="26" fill="${hsl(42, 95, 72)}"/>`,
    `<path d="M128 104c10-16 38-16 46 0 14-2 22 14 10 20h-64c-12-4-8-20 8-20Z" fill="#fff" opacity=".85"/>`,
    `<path d="M0 250c90-50 170-40 250-10s170 30 250-10 110-30 140-20V360H0Z" fill="${hsl(140, 24, 74)}"/>`,
    building,
    `<rect y="306" width="640" height="54" fill="${hsl(105, 34, 58)}"/>`,
    `<path d="M300 310h40l30 50h-100Z" fill="${hsl(35, 25, 82)}"/>`,
    tree(90, 312, 70, leaf),
    tree(600, 312, 56, leaf),
    `<path d="M0 310h640" stroke="${hsl(105, 30, 48)}" stroke-width="3"/>`,
    '</svg>',
  ].join('');
  return `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
}

/** "House", "Apartment", "Townhouse". */
export const kindLabel: Record<PropertyKind, string> = { house: 'House', apartment: 'Apartment', townhouse: 'Townhouse' };
