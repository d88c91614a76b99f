// Sign-up with a phone OTP (the development outbox code shown in development), password
// sign-in, passkey sign-in where the browser has WebAuthn's JSON helpers.
import { useState } from "preact/hooks";
import { t } from "../i18n";
import { normalizeEgyptianPhone, toLatinDigits } from "../lib/phone";
import { passkeyLogin, passkeysSupported } from "../lib/passkeys";
import { api, fromIssued, setSession } from "../lib/session";
import { ErrorLine, useAction } from "../lib/ui";

function PhoneInput({ value, onInput }: { value: string; onInput: (v: string) => void }) {
  const invalid = value.trim() !== "" && normalizeEgyptianPhone(value) === null;
  return (
    <>
      <label for="phone">{t("phone_label")}</label>
      <input
        id="phone"
        type="tel"
        inputMode="tel"
        autoComplete="tel-national"
        dir="ltr"
        placeholder={t("phone_hint")}
        value={value}
        aria-invalid={invalid}
        aria-describedby="phone-help"
        onInput={(e) => onInput((e.target as HTMLInputElement).value)}
      />
      <p id="phone-help" class={invalid ? "error" : "muted"}>
        {invalid ? t("phone_invalid") : t("phone_hint")}
      </p>
    </>
  );
}

export function AuthPage() {
  const [mode, setMode] = useState<"signup" | "login">("signup");
  const [phone, setPhone] = useState("");
  const [code, setCode] = useState("");
  const [devCode, setDevCode] = useState<string | null>(null);
  const [sent, setSent] = useState(false);
  const [name, setName] = useState("");
  const [password, setPassword] = useState("");
  const [busy, error, run] = useAction();
  const e164 = normalizeEgyptianPhone(phone);

  const sendCode = () =>
    run(async () => {
      if (!e164) throw new Error(t("phone_invalid"));
      await api("/v1/auth/otp", { body: { phone: e164, channel: "whatsapp" } });
      setSent(true);
      try {
        // Development only: the simulator's outbox (404 in production, then nothing shown).
        const box = await api(`/v1/dev/outbox?phone=${encodeURIComponent(e164)}`);
        setDevCode(box.messages?.[0]?.code ?? null);
      } catch {
        setDevCode(null);
      }
    });

  const register = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      const { verification_token } = await api("/v1/auth/otp/verify", {
        body: { phone: e164, code: toLatinDigits(code).trim() },
      });
      const issued = await api("/v1/auth/register", {
        body: { verification_token, password, display_name: name, device: "web" },
      });
      setSession(fromIssued(issued, name));
    });
  };

  const login = (e: Event) => {
    e.preventDefault();
    return run(async () => {
      if (!e164) throw new Error(t("phone_invalid"));
      const issued = await api("/v1/auth/login", { body: { phone: e164, password, device: "web" } });
      setSession(fromIssued(issued));
    });
  };

  return (
    <section aria-labelledby="auth-title">
      <h2 id="auth-title">{mode === "signup" ? t("signup_title") : t("login_title")}</h2>
      <button class="link" onClick={() => setMode(mode === "signup" ? "login" : "signup")}>
        {mode === "signup" ? t("have_account") : t("new_account")}
      </button>
      {mode === "signup" ? (
        <form onSubmit={register}>
          <PhoneInput value={phone} onInput={setPhone} />
          <button type="button" class="secondary" onClick={sendCode} disabled={busy || !e164}>
            {t("send_code")}
          </button>
          {devCode && (
            <p data-testid="dev-code">
              {t("dev_code")}: <span class="devcode">{devCode}</span>
            </p>
          )}
          {sent && (
            <>
              <label for="code">{t("code_label")}</label>
              <input id="code" inputMode="numeric" autoComplete="one-time-code" dir="ltr" value={code}
                onInput={(e) => setCode((e.target as HTMLInputElement).value)} />
              <label for="name">{t("name_label")}</label>
              <input id="name" autoComplete="name" value={name} onInput={(e) => setName((e.target as HTMLInputElement).value)} />
              <label for="password">{t("password_label")}</label>
              <input id="password" type="password" autoComplete="new-password" value={password}
                onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
              <p>
                <button type="submit" disabled={busy}>
                  {t("create_account")}
                </button>
              </p>
            </>
          )}
        </form>
      ) : (
        <form onSubmit={login}>
          <PhoneInput value={phone} onInput={setPhone} />
          <label for="password">{t("password_label")}</label>
          <input id="password" type="password" autoComplete="current-password" value={password}
            onInput={(e) => setPassword((e.target as HTMLInputElement).value)} />
          <p class="row">
            <button type="submit" disabled={busy}>
              {t("login")}
            </button>
            {passkeysSupported() && (
              <button type="button" class="secondary" disabled={busy} onClick={() => run(passkeyLogin)}>
                {t("passkey_login")}
              </button>
            )}
          </p>
        </form>
      )}
      <ErrorLine error={error} />
    </section>
  );
}
