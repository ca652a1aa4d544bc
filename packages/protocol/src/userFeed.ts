/** UTF-8 text → base64url without padding (browsers and Node alike). */
export function base64url(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** User ids that can be written into a room name as they are. */
const PLAIN_USER_ID = /^[A-Za-z0-9_.@-]{1,120}$/;

/**
 * The room name of a user's personal feed. Plain ids are used as they are
 * (`user:budi`); ids with other characters — `auth0|5f7c…`, `a+b@x.com` — are
 * base64url-encoded behind a second colon (`user::YXV0aDB8NWY3Yw`), which a plain id
 * never contains, so two users can never share a feed. Client and server both name the
 * feed with this function.
 */
export function userFeedRoom(userId: string): string {
  return PLAIN_USER_ID.test(userId) ? `user:${userId}` : `user::${base64url(userId)}`;
}
