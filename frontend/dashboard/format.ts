/** How the dashboard writes money, ratios and days. Money stays a decimal string until shown. */
import type { Money } from "./api/client";

export function formatMoney(money: Money, locale = "en-GB"): string {
  // Intl takes a number; amounts up to 14 digits with 2 places are exact enough to display.
  return new Intl.NumberFormat(locale, { style: "currency", currency: money.currency }).format(Number(money.amount));
}

export function formatCount(value: number, locale = "en-GB"): string {
  return new Intl.NumberFormat(locale).format(value);
}

/** "0.2500" -> "25.0%"; null (no base to compare with) -> "–". */
export function formatRatio(ratio: string | null | undefined, digits = 1): string {
  if (ratio === null || ratio === undefined) return "–";
  return `${(Number(ratio) * 100).toFixed(digits)}%`;
}

/** A change against the previous period, signed: "+12.5%", "−3.0%", or "new" when nothing came before. */
export function formatChange(ratio: string | null | undefined): string {
  if (ratio === null || ratio === undefined) return "new";
  const percent = Number(ratio) * 100;
  const sign = percent > 0 ? "+" : percent < 0 ? "−" : "±";
  return `${sign}${Math.abs(percent).toFixed(1)}%`;
}

export function changeTone(ratio: string | null | undefined): "up" | "down" | "flat" {
  if (ratio === null || ratio === undefined || Number(ratio) === 0) return "flat";
  return Number(ratio) > 0 ? "up" : "down";
}

export function isoDay(day: Date): string {
  const month = String(day.getMonth() + 1).padStart(2, "0");
  const date = String(day.getDate()).padStart(2, "0");
  return `${day.getFullYear()}-${month}-${date}`;
}

export function daysBefore(day: string, count: number): string {
  const [year, month, date] = day.split("-").map(Number) as [number, number, number];
  return isoDay(new Date(year, month - 1, date - count));
}

export function formatDateTime(value: string | null | undefined, locale = "en-GB"): string {
  if (!value) return "–";
  return new Intl.DateTimeFormat(locale, { dateStyle: "medium", timeStyle: "short" }).format(new Date(value));
}
