// The shell: header (language switch, connection state), navigation, and the page for the path.
import { useEffect, useState } from "preact/hooks";
import { currentLang, setLang, t, useLang } from "./i18n";
import { linkProps, navigate, usePath } from "./lib/router";
import { api, onSession, session, setSession, Session } from "./lib/session";
import { onSocketStatus, socket, socketStatus } from "./lib/socket";
import { AuthPage } from "./pages/auth";
import { ChatPage } from "./pages/chat";
import { FeedPage } from "./pages/feed";
import { WatchPage } from "./pages/watch";
import { StudioPage } from "./pages/studio";
import { WalletPage } from "./pages/wallet";
import { DashboardPage } from "./pages/dashboard";
import { ModerationPage } from "./pages/moderation";
import { AdminPage } from "./pages/admin";
import { DevicesPage } from "./pages/devices";

const PAGES: { path: string; key: Parameters<typeof t>[0]; roles?: string[]; page: any }[] = [
  { path: "/", key: "nav_home", page: FeedPage },
  { path: "/chat", key: "nav_chat", page: ChatPage },
  { path: "/watch", key: "nav_watch", page: WatchPage },
  { path: "/studio", key: "nav_studio", page: StudioPage },
  { path: "/wallet", key: "nav_wallet", page: WalletPage },
  { path: "/dashboard", key: "nav_dashboard", roles: ["creator", "admin"], page: DashboardPage },
  { path: "/mod", key: "nav_mod", roles: ["moderator", "admin"], page: ModerationPage },
  { path: "/admin", key: "nav_admin", roles: ["admin"], page: AdminPage },
  { path: "/devices", key: "nav_devices", page: DevicesPage },
];

function useSession(): Session | null {
  const [s, set] = useState(session());
  useEffect(() => onSession(set), []);
  return s;
}

function ConnectionBadge() {
  const [status, set] = useState(socketStatus());
  useEffect(() => onSocketStatus(set), []);
  return (
    <span class={`badge ${status}`} data-testid="connection" data-status={status} role="status">
      {status === "online" ? t("online") : t("offline")}
    </span>
  );
}

export function App() {
  const lang = useLang();
  const s = useSession();
  const path = usePath();
  useEffect(() => {
    if (s) socket();
  }, [s?.access_token]);
  const logout = async () => {
    try {
      await api("/v1/auth/logout", { method: "POST", body: {} });
    } catch {
      /* signed out locally either way */
    }
    setSession(null);
    navigate("/");
  };
  if (!s) {
    return (
      <div class="shell">
        <header class="top">
          <h1 class="brand">{t("app_name")}</h1>
          <button class="link" onClick={() => setLang(lang === "ar" ? "en" : "ar")} lang={lang === "ar" ? "en" : "ar"}>
            {t("lang_switch")}
          </button>
        </header>
        <main id="main">
          <AuthPage />
        </main>
      </div>
    );
  }
  const visible = PAGES.filter((p) => !p.roles || p.roles.includes(s.role));
  const match = visible.find((p) => p.path === path) ?? visible[0];
  const Page = match.page;
  return (
    <div class="shell">
      <header class="top">
        <h1 class="brand">{t("app_name")}</h1>
        <ConnectionBadge />
        <button class="link" onClick={() => setLang(currentLang() === "ar" ? "en" : "ar")} lang={lang === "ar" ? "en" : "ar"}>
          {t("lang_switch")}
        </button>
        <button class="link" onClick={logout}>
          {t("sign_out")}
        </button>
      </header>
      <nav class="tabs" aria-label={t("main_nav")}>
        {visible.map((p) => (
          <a {...linkProps(p.path)} aria-current={p === match ? "page" : undefined} key={p.path}>
            {t(p.key)}
          </a>
        ))}
      </nav>
      <main id="main">
        <Page key={path} />
      </main>
    </div>
  );
}
