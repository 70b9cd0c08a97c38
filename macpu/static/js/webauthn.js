// Security keys (WebAuthn) on macpu's pages: adding a key, and signing with one (docs/adr/0007-security-keys.md).
//
// A form marked data-macpu-webauthn="register" or "authenticate" carries the id of a JSON <script> with the
// server's options (data-macpu-webauthn-options) and a hidden input named "credential" (or the name in
// data-macpu-webauthn-field). When the form is sent,
// this script asks the browser (navigator.credentials.create or .get) to use the key, puts the key's answer in
// "credential" as JSON, and sends the form on. If the key is not used (cancelled, or not touched in time) the
// form is sent with "credential" empty and the server says what to do.
//
// Elements marked data-macpu-webauthn-needs are hidden until this script finds the browser can use security keys;
// elements marked data-macpu-webauthn-unsupported are shown when it cannot. Without JavaScript, the pages'
// <noscript> text says a security key needs JavaScript.

function toBytes (base64url) {
  const base64 = base64url.replace(/-/g, '+').replace(/_/g, '/')
  const padded = base64 + '='.repeat((4 - (base64.length % 4)) % 4)
  const text = atob(padded)
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i)
  return bytes.buffer
}

function toBase64url (buffer) {
  const bytes = new Uint8Array(buffer)
  let text = ''
  for (let i = 0; i < bytes.length; i++) text += String.fromCharCode(bytes[i])
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
}

function descriptors (list) {
  return (list || []).map((d) => ({ ...d, id: toBytes(d.id) }))
}

async function register (options) {
  const publicKey = {
    ...options,
    challenge: toBytes(options.challenge),
    user: { ...options.user, id: toBytes(options.user.id) },
    excludeCredentials: descriptors(options.excludeCredentials)
  }
  const credential = await navigator.credentials.create({ publicKey })
  const response = credential.response
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      attestationObject: toBase64url(response.attestationObject),
      transports: typeof response.getTransports === 'function' ? response.getTransports() : []
    },
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment || undefined
  }
}

async function authenticate (options) {
  const publicKey = {
    ...options,
    challenge: toBytes(options.challenge),
    allowCredentials: descriptors(options.allowCredentials)
  }
  const credential = await navigator.credentials.get({ publicKey })
  const response = credential.response
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response: {
      clientDataJSON: toBase64url(response.clientDataJSON),
      authenticatorData: toBase64url(response.authenticatorData),
      signature: toBase64url(response.signature),
      userHandle: response.userHandle ? toBase64url(response.userHandle) : null
    },
    clientExtensionResults: credential.getClientExtensionResults(),
    authenticatorAttachment: credential.authenticatorAttachment || undefined
  }
}

function setUp (form) {
  const ceremony = form.dataset.macpuWebauthn
  const source = document.getElementById(form.dataset.macpuWebauthnOptions)
  const field = form.querySelector(`input[name="${form.dataset.macpuWebauthnField || 'credential'}"]`)
  if (!source || !field) return
  const options = JSON.parse(source.textContent)
  let busy = false
  form.addEventListener('submit', async (event) => {
    event.preventDefault()
    if (busy) return
    busy = true
    field.value = ''
    try {
      const answer = ceremony === 'register' ? await register(options) : await authenticate(options)
      field.value = JSON.stringify(answer)
    } catch (error) {
      field.value = '' // not used: the server says so and what to do
    }
    form.submit()
  })
}

const supported = typeof window.PublicKeyCredential === 'function' && !!navigator.credentials
document.querySelectorAll(supported ? '[data-macpu-webauthn-needs]' : '[data-macpu-webauthn-unsupported]')
  .forEach((element) => { element.hidden = false })
if (supported) document.querySelectorAll('form[data-macpu-webauthn]').forEach(setUp)
