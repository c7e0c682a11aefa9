/** A failed API call as the app sees it. */
export interface Failure {
  /** The HTTP status; 0 when no answer came (network down). */
  status: number;
  code: string;
  message: string;
  /** Seconds from `Retry-After`, when given. */
  retryAfter?: number | undefined;
}

/** The fields of the sign-in form. */
export type AuthField = 'nickname' | 'password';

/** What the form shows for a failure: next to a field, or above the buttons. */
export interface FormErrors {
  fields: Partial<Record<AuthField, string>>;
  form?: string;
}

const UNAVAILABLE = 'The chat is unavailable right now. Try again in a moment.';

/**
 * The users service names each bad field in its 400 message ("Invalid input: nickname: must
 * be …; password: must be …."): each goes next to its field.
 */
function fieldProblems(message: string): FormErrors['fields'] {
  const fields: FormErrors['fields'] = {};
  const body = message.replace(/^Invalid input:\s*/, '').replace(/\.$/, '');
  for (const part of body.split('; ')) {
    const match = /^(nickname|password): (.+)$/.exec(part);
    if (match?.[1] === 'nickname' || match?.[1] === 'password') {
      fields[match[1]] = `The ${match[1]} ${match[2] ?? ''}.`;
    }
  }
  return fields;
}

/** "in 42 seconds", "in 2 minutes". */
export function waitText(seconds: number): string {
  if (seconds < 90) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  return `in ${Math.ceil(seconds / 60)} minutes`;
}

/** The inline errors of the sign-in form for a failed register or sign-in. */
export function authErrors(failure: Failure): FormErrors {
  switch (failure.status) {
    case 400: {
      const fields = fieldProblems(failure.message);
      return Object.keys(fields).length > 0 ? { fields } : { fields: {}, form: failure.message };
    }
    case 401:
      return { fields: {}, form: 'Wrong nickname or password.' };
    case 409:
      return { fields: { nickname: 'That nickname is taken. Pick another, or sign in.' } };
    case 429:
      return {
        fields: {},
        form: `Too many attempts. Try again ${waitText(failure.retryAfter ?? 60)}.`,
      };
    case 0:
    case 502:
    case 503:
    case 504:
      return { fields: {}, form: UNAVAILABLE };
    default:
      return { fields: {}, form: failure.message || UNAVAILABLE };
  }
}
