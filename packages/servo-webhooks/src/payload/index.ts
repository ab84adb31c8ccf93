/**
 * Webhook request bodies, their media types and their JSON Schemas.
 * The delivery path needs only `body.js` and `content-type.js`; `schema.js`
 * (zod's JSON Schema generator) is for the CLI.
 * @module
 */
export { EventBodies, buildBody, buildBodyJson, type BodyInput, type BodyResult } from './body.js';
export {
  CANCEL_CONTENT_TYPES,
  EVENT_CONTENT_TYPE,
  EVENT_MEDIA_TYPE,
  SCHEMA_VERSION,
  isCancelContentType,
} from './content-type.js';
export { bodySchema, JSON_SCHEMA_DIALECT, type JsonSchema, type SchemaEvent } from './schema.js';
export {
  CIRCULAR,
  MAX_DEPTH,
  TOO_DEEP,
  UNSERIALIZABLE,
  errorObject,
  serializeJson,
  type ErrorObject,
} from './serialize.js';
