// Home / For you / circle feeds with feed:new live, posts with reactions and threaded
// comments, and a composer that uploads a video with tus (progress, then media:progress) and
// plays it with hls.js once it is ready.
import { useEffect, useRef, useState } from "preact/hooks";
import * as tus from "tus-js-client";
import { num, t } from "../i18n";
import { HlsPlayer } from "../lib/player";
import { freshToken, session } from "../lib/session";
import { call, useConnected, useEvent } from "../lib/socket";
import { ErrorLine, shortId, useAction } from "../lib/ui";

type Post = any;

function mediaSrc(post: Post): string | null {
  if (!post.media_id || post.locked) return null;
  if (String(post.media_id).startsWith("live:")) return `/v1/live/${post.media_id.slice(5)}/hls/vod.m3u8`;
  return `/v1/media/${post.media_id}/hls/master.m3u8`;
}

function Comments({ post }: { post: Post }) {
  const [items, setItems] = useState<any[]>([]);
  const [body, setBody] = useState("");
  const [replyTo, setReplyTo] = useState<any | null>(null);
  const [, error, run] = useAction();
  useEffect(() => {
    run(async () => {
      await call("feed:watch", { post_id: post.id });
      const page = await call("interactions:comments", { post_id: post.id, limit: 50 });
      setItems(page.items);
    });
    return () => {
      call("feed:unwatch", { post_id: post.id }).catch(() => {});
    };
  }, [post.id]);
  useEvent("interactions:comment", (d) => {
    if (d.comment.post_id === post.id) setItems((xs) => (xs.some((x) => x.id === d.comment.id) ? xs : [...xs, d.comment]));
  }, [post.id]);
  const submit = (e: Event) => {
    e.preventDefault();
    const text = body;
    setBody("");
    run(async () => {
      const c = await call("interactions:comment", { post_id: post.id, body: text, parent_id: replyTo?.id });
      setItems((xs) => (xs.some((x) => x.id === c.id) ? xs : [...xs, c]));
      setReplyTo(null);
    });
  };
  return (
    <div class="comments">
      {items.map((c) => (
        <div key={c.id} style={{ marginInlineStart: `${Math.min(c.depth ?? 0, 4) * 12}px` }}>
          <strong>{c.author?.display_name ?? shortId(c.author_id ?? "")}</strong>: {c.body}{" "}
          <button class="link" onClick={() => setReplyTo(c)}>
            {t("reply")}
          </button>
        </div>
      ))}
      <form class="row" onSubmit={submit}>
        <div>
          <label for={`c-${post.id}`} class="visually-hidden">
            {t("comment_label")}
          </label>
          <input id={`c-${post.id}`} placeholder={replyTo ? `${t("reply")}: ${replyTo.body}` : t("comment_label")}
            value={body} onInput={(e) => setBody((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" disabled={!body.trim()}>
          {t("send")}
        </button>
      </form>
      <ErrorLine error={error} />
    </div>
  );
}

function PostCard({ post, ready }: { post: Post; ready: boolean }) {
  const [p, setP] = useState(post);
  const [open, setOpen] = useState(false);
  const [, error, run] = useAction();
  useEffect(() => setP(post), [post]);
  useEvent("interactions:reaction", (d) => {
    if (d.target_kind === "post" && d.target_id === p.id) setP((x: Post) => ({ ...x, reactions: d.reactions, reaction_total: d.total }));
  }, [p.id]);
  const like = () =>
    run(async () => {
      const ev = p.my_reaction ? "interactions:unreact" : "interactions:react";
      const ans = await call(ev, { target_id: p.id, target_kind: "post", kind: "like" });
      setP((x: Post) => ({ ...x, my_reaction: p.my_reaction ? null : "like", reaction_total: ans?.total ?? x.reaction_total }));
    });
  const src = mediaSrc(p);
  const playable = src && (p.status === "published" || ready);
  return (
    <article class="card post" data-testid="post" data-post={p.id}>
      <div class="muted">
        <strong>{p.author.display_name}</strong> · {new Date(p.created_at).toLocaleString()}
      </div>
      {p.body && <p>{p.body}</p>}
      {src && (playable ? <HlsPlayer src={src} label={p.body || t("watch")} /> : <p class="muted">{t("pending_media")}</p>)}
      <div class="actions">
        <button onClick={like} aria-pressed={!!p.my_reaction}>
          ♥ {t("react_like")} {num(p.reaction_total ?? 0)}
        </button>
        <button onClick={() => setOpen(!open)} aria-expanded={open}>
          {t("comments")} {num(p.comment_count ?? 0)}
        </button>
      </div>
      {open && <Comments post={p} />}
      <ErrorLine error={error} />
    </article>
  );
}

function Composer({ onPosted, circles }: { onPosted: (p: Post) => void; circles: any[] }) {
  const [body, setBody] = useState("");
  const [visibility, setVisibility] = useState("public");
  const [file, setFile] = useState<File | null>(null);
  const [stage, setStage] = useState<string | null>(null);
  const [percent, setPercent] = useState(0);
  const [busy, error, run] = useAction();
  const mediaId = useRef<string | null>(null);
  useEvent("media:progress", (d) => {
    if (d.media_id === mediaId.current) {
      setStage(d.stage);
      setPercent(d.percent ?? 0);
    }
  });
  useEvent("media:ready", (d) => {
    if (d.media_id === mediaId.current) {
      setStage("ready");
      setPercent(100);
    }
  });
  useEvent("media:failed", (d) => {
    if (d.media_id === mediaId.current) setStage("failed");
  });

  const upload = (f: File) =>
    new Promise<string>(async (resolve, reject) => {
      const token = await freshToken();
      const up = new tus.Upload(f, {
        endpoint: "/v1/uploads/",
        headers: { Authorization: `Bearer ${token}` },
        metadata: { filename: f.name, filetype: f.type || "video/mp4" },
        chunkSize: 8 * 1024 * 1024,
        retryDelays: [0, 1000, 3000, 5000],
        onProgress: (sent, total) => {
          setStage("uploading");
          setPercent(Math.round((sent / total) * 100));
        },
        onError: reject,
        onSuccess: () => resolve(up.url!.split("/").filter(Boolean).pop()!),
      });
      up.start();
    });

  const submit = (e: Event) => {
    e.preventDefault();
    run(async () => {
      let media_id: string | undefined;
      if (file) {
        setStage("uploading");
        media_id = await upload(file);
        mediaId.current = media_id;
        setStage((s) => (s === "uploading" ? "queued" : s));
      }
      const circle = visibility.startsWith("circle:") ? visibility.slice(7) : undefined;
      const ans = await call("feed:post", {
        kind: media_id ? "video" : "text",
        body,
        media_id,
        visibility: circle ? "circle" : visibility,
        circle_id: circle,
      });
      setBody("");
      setFile(null);
      const input = document.getElementById("video-file") as HTMLInputElement | null;
      if (input) input.value = "";
      onPosted({ ...(ans.post ?? ans), __media: media_id });
    });
  };
  return (
    <form class="card" onSubmit={submit} data-testid="composer">
      <label for="composer">{t("composer_label")}</label>
      <textarea id="composer" value={body} onInput={(e) => setBody((e.target as HTMLTextAreaElement).value)} />
      <div class="row">
        <div>
          <label for="video-file">{t("attach_video")}</label>
          <input id="video-file" type="file" accept="video/*" onChange={(e) => setFile((e.target as HTMLInputElement).files?.[0] ?? null)} />
        </div>
        <div>
          <label for="visibility">{t("visibility")}</label>
          <select id="visibility" value={visibility} onChange={(e) => setVisibility((e.target as HTMLSelectElement).value)}>
            <option value="public">{t("vis_public")}</option>
            <option value="followers">{t("vis_followers")}</option>
            <option value="subscribers">{t("vis_subscribers")}</option>
            {circles.map((c) => (
              <option key={c.id} value={`circle:${c.id}`}>◯ {c.name}</option>
            ))}
          </select>
        </div>
        <button type="submit" disabled={busy || (!body.trim() && !file)}>
          {t("publish")}
        </button>
      </div>
      {stage && (
        <div data-testid="upload-stage" data-stage={stage}>
          <label for="upload-progress">
            {stage === "uploading" ? t("uploading") : stage === "ready" ? t("ready") : stage === "failed" ? t("failed") : t("processing")}{" "}
            {num(percent)}%
          </label>
          <progress id="upload-progress" max={100} value={percent} />
        </div>
      )}
      <ErrorLine error={error} />
    </form>
  );
}

export function FeedPage() {
  const me = session()!.user_id;
  const [tab, setTab] = useState<"home" | "for_you" | "circle">("home");
  const [circles, setCircles] = useState<any[]>([]);
  const [circleId, setCircleId] = useState<string | null>(null);
  const [circleName, setCircleName] = useState("");
  const [posts, setPosts] = useState<Post[]>([]);
  const [cursor, setCursor] = useState<string | null>(null);
  const [readyMedia, setReadyMedia] = useState<Set<string>>(new Set());
  const [followId, setFollowId] = useState("");
  const [busy, error, run] = useAction();

  const load = (more = false) =>
    run(async () => {
      const mine = (await call("circles:mine")).items ?? [];
      setCircles(mine);
      if (tab === "circle" && !circleId && !mine.length) {
        setPosts([]);
        setCursor(null);
        return;
      }
      const cid = circleId ?? mine[0]?.id;
      if (tab === "circle" && cid !== circleId) setCircleId(cid);
      const ev = tab === "home" ? "feed:home" : tab === "for_you" ? "feed:for_you" : "feed:circle";
      const page = await call(ev, { cursor: more ? cursor : undefined, limit: 20, ...(tab === "circle" ? { circle_id: cid } : {}) });
      setPosts((xs) => (more ? [...xs, ...page.items] : page.items));
      setCursor(page.next_cursor ?? null);
    });
  useConnected(() => load(), [tab, circleId]);
  useEvent("feed:new", (d) => {
    if ((tab === "home" && d.feed !== "circle") || (tab === "circle" && d.post.circle_id === circleId)) setPosts((xs) => (xs.some((x) => x.id === d.post.id) ? xs : [d.post, ...xs]));
  }, [tab]);
  useEvent("feed:remove", (d) => setPosts((xs) => xs.filter((x) => x.id !== d.post_id)));
  useEvent("feed:update", (d) => setPosts((xs) => xs.map((x) => (x.id === d.post.id ? d.post : x))));
  useEvent("media:ready", (d) => setReadyMedia((s) => new Set([...s, d.media_id])));

  const follow = (e: Event) => {
    e.preventDefault();
    run(async () => {
      await call("users:follow", { user_id: followId.trim() });
      setFollowId("");
      load();
    });
  };
  return (
    <section aria-labelledby="feed-title">
      <h2 id="feed-title" class="visually-hidden">
        {t("nav_home")}
      </h2>
      <p class="muted">
        {t("my_id")}: <code class="ltr" data-testid="my-id">{me}</code>
      </p>
      <div class="row" role="tablist">
        {(["home", "for_you", "circle"] as const).map((k) => (
          <button key={k} role="tab" aria-selected={tab === k} class={tab === k ? "" : "secondary"} onClick={() => setTab(k)}>
            {k === "home" ? t("feed_home") : k === "for_you" ? t("feed_for_you") : t("feed_circle")}
          </button>
        ))}
      </div>
      {tab === "circle" && (
        <div class="card">
          {circles.length > 0 && (
            <>
              <label for="circle-pick">{t("feed_circle")}</label>
              <select id="circle-pick" value={circleId ?? ""} onChange={(e) => setCircleId((e.target as HTMLSelectElement).value)}>
                {circles.map((c) => (
                  <option key={c.id} value={c.id}>{c.name}</option>
                ))}
              </select>
            </>
          )}
          <form class="row" onSubmit={(e) => { e.preventDefault(); run(async () => { const c = await call("circles:create", { name: circleName.trim(), join_policy: "open" }); setCircleName(""); setCircleId(c.id ?? c.circle?.id); }); }}>
            <div>
              <label for="circle-name">{t("new_circle")}</label>
              <input id="circle-name" value={circleName} onInput={(e) => setCircleName((e.target as HTMLInputElement).value)} />
            </div>
            <button type="submit" disabled={!circleName.trim()}>{t("start")}</button>
          </form>
        </div>
      )}
      <form class="row" onSubmit={follow}>
        <div>
          <label for="follow-id">{t("follow_user")}</label>
          <input id="follow-id" dir="ltr" value={followId} onInput={(e) => setFollowId((e.target as HTMLInputElement).value)} />
        </div>
        <button type="submit" disabled={busy || !followId.trim()}>
          {t("follow")}
        </button>
      </form>
      <Composer circles={circles} onPosted={(p) => setPosts((xs) => [p, ...xs.filter((x) => x.id !== p.id)])} />
      <ErrorLine error={error} />
      <div data-testid="feed" aria-live="polite">
        {posts.map((p) => (
          <PostCard key={p.id} post={p} ready={readyMedia.has(p.media_id)} />
        ))}
      </div>
      {!posts.length && <p class="muted">{t("empty_feed")}</p>}
      {cursor && (
        <button class="secondary" onClick={() => load(true)}>
          {t("load_more")}
        </button>
      )}
    </section>
  );
}
