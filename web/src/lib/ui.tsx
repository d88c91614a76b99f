// Small shared pieces: error text, async button state.
import { useState } from "preact/hooks";
import { t } from "../i18n";
import { ApiError } from "./session";

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return `${t("error")}: ${e.message} (${e.code})`;
  return `${t("error")}: ${String((e as any)?.message ?? e)}`;
}

export function ErrorLine({ error }: { error: string | null }) {
  return error ? (
    <p class="error" role="alert">
      {error}
    </p>
  ) : null;
}

/** Wrap an async action: busy flag and the error line it leaves. */
export function useAction(): [boolean, string | null, (fn: () => Promise<void>) => Promise<void>] {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      setError(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return [busy, error, run];
}

export function shortId(id: string): string {
  return id.slice(0, 8);
}
