// Arabic first (RTL); English on request. The choice is remembered and sets <html lang dir>.
import { useEffect, useState } from "preact/hooks";
import ar, { Strings } from "./ar";
import en from "./en";

export type Lang = "ar" | "en";
const TABLES: Record<Lang, Strings> = { ar, en };
let lang: Lang = (localStorage.getItem("sawt.lang") as Lang) === "en" ? "en" : "ar";
const listeners = new Set<() => void>();

function apply() {
  document.documentElement.lang = lang;
  document.documentElement.dir = lang === "ar" ? "rtl" : "ltr";
  document.title = TABLES[lang].app_name;
}
apply();

export function t(key: keyof Strings): string {
  return TABLES[lang][key];
}

export function currentLang(): Lang {
  return lang;
}

export function setLang(next: Lang) {
  lang = next;
  localStorage.setItem("sawt.lang", next);
  apply();
  listeners.forEach((fn) => fn());
}

/** Re-render a component when the language changes. */
export function useLang(): Lang {
  const [, bump] = useState(0);
  useEffect(() => {
    const fn = () => bump((n) => n + 1);
    listeners.add(fn);
    return () => {
      listeners.delete(fn);
    };
  }, []);
  return lang;
}

/** Numbers in the reader's digits (Arabic-Indic in Arabic). */
export function num(n: number, opts?: Intl.NumberFormatOptions): string {
  return new Intl.NumberFormat(lang === "ar" ? "ar-EG" : "en-EG", opts).format(n);
}

export function egp(piastres: number): string {
  return num(piastres / 100, { style: "currency", currency: "EGP" });
}

export function time(ms: number): string {
  return new Intl.DateTimeFormat(lang === "ar" ? "ar-EG" : "en-EG", {
    hour: "2-digit",
    minute: "2-digit",
  }).format(new Date(ms));
}
