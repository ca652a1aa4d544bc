/** The derived fields of `property:price_updated`, computed from the stored old price. */
export interface PriceChange {
  /** Percent change relative to the old price, rounded to one decimal; negative for a drop. */
  percentage: number;
  isPriceDrop: boolean;
}

/**
 * @example
 * ```ts
 * priceChange(5_500_000_000, 5_200_000_000); // { percentage: -5.5, isPriceDrop: true }
 * ```
 */
export function priceChange(oldPrice: number, newPrice: number): PriceChange {
  const percentage = Math.round(((newPrice - oldPrice) / oldPrice) * 1000) / 10;
  // `|| 0` turns a -0 (a tiny drop rounding to zero) into 0.
  return { percentage: percentage || 0, isPriceDrop: newPrice < oldPrice };
}
