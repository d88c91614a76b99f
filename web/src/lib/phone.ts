// Egyptian mobile numbers as people type them: national format (010 1234 5678), with spaces or
// dashes, Arabic-Indic (٠١٢) or Persian (۰۱۲) digits, or international (+20 / 0020).
const DIGITS: Record<string, string> = {};
"٠١٢٣٤٥٦٧٨٩".split("").forEach((d, i) => (DIGITS[d] = String(i)));
"۰۱۲۳۴۵۶۷۸۹".split("").forEach((d, i) => (DIGITS[d] = String(i)));

export function toLatinDigits(s: string): string {
  return s.replace(/[٠-٩۰-۹]/g, (d) => DIGITS[d] ?? d);
}

/** The E.164 form (+201012345678) of an Egyptian mobile number, or null when it is not one. */
export function normalizeEgyptianPhone(input: string): string | null {
  let d = toLatinDigits(input).replace(/[\s\-().\u200e\u200f]/g, "");
  if (d.startsWith("+")) d = d.slice(1);
  else if (d.startsWith("00")) d = d.slice(2);
  if (d.startsWith("20")) d = "0" + d.slice(2);
  return /^01[0125]\d{8}$/.test(d) ? "+2" + d : null;
}

/** 010 1234 5678: how the number is written in Egypt. */
export function formatNational(e164: string): string {
  const n = "0" + e164.replace(/^\+20/, "");
  return `${n.slice(0, 3)} ${n.slice(3, 7)} ${n.slice(7)}`;
}
