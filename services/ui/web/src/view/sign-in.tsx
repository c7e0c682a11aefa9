import type { ComponentChildren } from 'preact';
import { useRef } from 'preact/hooks';
import { useSignal } from '@preact/signals';
import { register, signIn } from '../api/auth.js';
import { ApiError } from '../api/http.js';
import { beginSession, notice } from '../app-state.js';
import { authErrors, type AuthField, type FormErrors } from '../format/auth-errors.js';

type Action = 'sign-in' | 'register';

/** The attributes an input of the form shares: its error is tied to it for screen readers. */
function described(id: AuthField, error: string | undefined) {
  return {
    id,
    autocapitalize: 'off' as const,
    spellcheck: false,
    'aria-invalid': error ? ('true' as const) : ('false' as const),
    'aria-describedby': error ? `${id}-error` : undefined,
  };
}

function Field(props: {
  id: AuthField;
  label: string;
  error: string | undefined;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.error && (
        <p id={`${props.id}-error`} class="field-error">
          {props.error}
        </p>
      )}
    </div>
  );
}

function missing(nickname: string, password: string): FormErrors | undefined {
  const fields: FormErrors['fields'] = {};
  if (nickname.trim() === '') fields.nickname = 'Enter a nickname.';
  if (password === '') fields.password = 'Enter a password.';
  return Object.keys(fields).length > 0 ? { fields } : undefined;
}

/**
 * One form for both ways in: "Sign in" (Enter) for an existing nickname, "Register" for a new
 * one. Each failure shows where it belongs: next to its field, or above the buttons.
 */
export function SignIn() {
  const nickname = useSignal('');
  const password = useSignal('');
  const errors = useSignal<FormErrors>({ fields: {} });
  const busy = useSignal<Action | undefined>(undefined);
  const nicknameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  const focusFirstError = (found: FormErrors) => {
    if (found.fields.nickname) nicknameRef.current?.focus();
    else if (found.fields.password) passwordRef.current?.focus();
  };

  const submit = async (action: Action) => {
    if (busy.value) return;
    const found = missing(nickname.value, password.value);
    if (found) {
      errors.value = found;
      focusFirstError(found);
      return;
    }
    busy.value = action;
    errors.value = { fields: {} };
    try {
      const enter = action === 'register' ? register : signIn;
      beginSession(await enter(nickname.value.trim(), password.value));
    } catch (error) {
      const failure =
        error instanceof ApiError ? error : new ApiError(0, 'network_error', String(error));
      errors.value = authErrors(failure);
      focusFirstError(errors.value);
    } finally {
      busy.value = undefined;
    }
  };

  const { fields, form } = errors.value;
  return (
    <main class="sign-in">
      <form
        class="card"
        aria-labelledby="sign-in-title"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void submit('sign-in');
        }}
      >
        <h1 id="sign-in-title">MicroFlack</h1>
        <p class="lead">Sign in, or register a new nickname to join the chat.</p>
        {notice.value && (
          <p class="notice" role="status">
            {notice.value}
          </p>
        )}
        <Field id="nickname" label="Nickname" error={fields.nickname}>
          <input
            {...described('nickname', fields.nickname)}
            ref={nicknameRef}
            type="text"
            autocomplete="username"
            value={nickname.value}
            onInput={(event) => (nickname.value = event.currentTarget.value)}
          />
        </Field>
        <Field id="password" label="Password" error={fields.password}>
          <input
            {...described('password', fields.password)}
            ref={passwordRef}
            type="password"
            autocomplete="current-password"
            value={password.value}
            onInput={(event) => (password.value = event.currentTarget.value)}
          />
        </Field>
        <p class="form-error" role="alert">
          {form}
        </p>
        <div class="actions">
          <button type="submit" class="primary" disabled={busy.value !== undefined}>
            {busy.value === 'sign-in' ? 'Signing in…' : 'Sign in'}
          </button>
          <button
            type="button"
            disabled={busy.value !== undefined}
            onClick={() => void submit('register')}
          >
            {busy.value === 'register' ? 'Registering…' : 'Register'}
          </button>
        </div>
      </form>
    </main>
  );
}
