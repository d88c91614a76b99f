// The balance pushed live (wallet:balance, highest `as_of` wins) after one read.
import { useState } from "preact/hooks";
import { call, useConnected, useEvent } from "./socket";

export function useBalance() {
  const [bal, setBal] = useState<{ wallet?: number; earnings?: number; as_of?: number }>({});
  useConnected(() => {
    call("wallet:balance").then((b) => setBal((x) => ({ ...b, as_of: Math.max(b.as_of ?? 0, x.as_of ?? 0) })));
  }, []);
  useEvent("wallet:balance", (b) =>
    setBal((x) => ((b.as_of ?? 0) < (x.as_of ?? 0) ? x : { ...x, ...b })),
  );
  return bal;
}
