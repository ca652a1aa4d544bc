// Types of format.mjs (the apps are TypeScript; bots, tour and server import the .mjs as is).
export const LOCALE: string;
export const CURRENCY: string;
export function formatPrice(amount: number | null | undefined, currency?: string): string;
export function formatTime(at: number | Date): string;
export function formatDayTime(at: number | Date): string;
export function formatChange(percentage: number): string;
export function formatPercent(percentage: number): string;
export function formatNumber(value: number): string;
export function formatCountdown(ms: number): string;
export function plural(count: number, one: string, many?: string): string;
