/**
 * Errors of the pub/sub exchange, each with a stable `code`.
 * @module
 */
import { hasCode, ServoError, ServoErrorCodes } from '../errors.js';

/** A message was published after the exchange stopped. */
export class ExchangeStoppedError extends ServoError {
  constructor(readonly channel: string) {
    super(ServoErrorCodes.exchangeStopped, `cannot publish on channel "${channel}": the exchange is stopped`);
  }
}

/** True for an {@link ExchangeStoppedError}, from any copy of this package. */
export function isExchangeStoppedError(err: unknown): err is ExchangeStoppedError {
  return hasCode(err, ServoErrorCodes.exchangeStopped);
}

/** A channel name that breaks the naming rule (1-128 of letters, digits, `.`, `-`, `_`, `/`). */
export class InvalidChannelError extends ServoError {
  constructor(readonly channel: string) {
    super(
      ServoErrorCodes.invalidChannel,
      `invalid channel name ${JSON.stringify(channel.length > 140 ? `${channel.slice(0, 140)}...` : channel)}: ` +
        'expected 1-128 characters of letters, digits, ".", "-", "_", "/"',
    );
  }
}

/** A subscription selector that cannot be compiled (bad glob or regex). */
export class InvalidSelectorError extends ServoError {
  constructor(
    readonly selector: string,
    reason: string,
    options?: ErrorOptions,
  ) {
    super(ServoErrorCodes.invalidSelector, `invalid channel selector ${JSON.stringify(selector)}: ${reason}`, options);
  }
}

/** A message's content cannot be read as asked (e.g. `.json()` on non-JSON content). */
export class MessageContentError extends ServoError {
  constructor(message: string, options?: ErrorOptions) {
    super(ServoErrorCodes.messageContent, message, options);
  }
}
