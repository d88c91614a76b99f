// WebAuthn through the browser's JSON helpers (parse*OptionsFromJSON / toJSON): the server's
// options are py_webauthn's JSON (base64url), and it reads the credential's JSON form back.
import { api, fromIssued, setSession } from "./session";

const PKC: any = (window as any).PublicKeyCredential;

export function passkeysSupported(): boolean {
  return !!(PKC && PKC.parseRequestOptionsFromJSON && PKC.parseCreationOptionsFromJSON);
}

export async function addPasskey(): Promise<void> {
  const { challenge_id, options } = await api("/v1/auth/passkeys/register/options", { body: {} });
  const cred: any = await navigator.credentials.create({ publicKey: PKC.parseCreationOptionsFromJSON(options) });
  await api("/v1/auth/passkeys/register", { body: { challenge_id, credential: cred.toJSON(), name: "Web" } });
}

export async function passkeyLogin(): Promise<void> {
  const { challenge_id, options } = await api("/v1/auth/passkeys/login/options", { body: {} });
  const cred: any = await navigator.credentials.get({ publicKey: PKC.parseRequestOptionsFromJSON(options) });
  const issued = await api("/v1/auth/passkeys/login", {
    body: { challenge_id, credential: cred.toJSON(), device: "web" },
  });
  setSession(fromIssued(issued));
}
