import type { ComponentChildren, RefObject } from 'preact';
import { useRef } from 'preact/hooks';
import { type Signal, useSignal } from '@preact/signals';
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

/** A text input of the form under its label, with its error below it. */
function TextField(props: {
  id: AuthField;
  label: string;
  /** What the input holds, for the browser's keyboard and password manager. */
  input: { type: 'text'; autocomplete: string } | { type: 'password'; autocomplete: string };
  error: string | undefined;
  text: Signal<string>;
  inputRef: RefObject<HTMLInputElement | null>;
}) {
  return (
    <Field id={props.id} label={props.label} error={props.error}>
      <input
        {...described(props.id, props.error)}
        {...props.input}
        ref={props.inputRef}
        value={props.text.value}
        onInput={(event) => (props.text.value = event.currentTarget.value)}
      />
    </Field>
  );
}

/** "Sign in" (the form's Enter) and "Register"; while either is under way, both wait. */
function Actions({ busy, onRegister }: { busy: Action | undefined; onRegister: () => void }) {
  return (
    <div class="actions">
      <button type="submit" class="primary" disabled={busy !== undefined}>
        {busy === 'sign-in' ? 'Signing in…' : 'Sign in'}
      </button>
      <button type="button" disabled={busy !== undefined} onClick={onRegister}>
        {busy === 'register' ? 'Registering…' : 'Register'}
      </button>
    </div>
  );
}

/**
 * The form's state and its submission: missing fields are caught here, the rest by the server;
 * either way the first field in error takes the focus.
 */
function useSignInForm() {
  const nickname = useSignal('');
  const password = useSignal('');
  const errors = useSignal<FormErrors>({ fields: {} });
  const busy = useSignal<Action | undefined>(undefined);
  const nicknameRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);

  const showErrors = (found: FormErrors) => {
    errors.value = found;
    if (found.fields.nickname) nicknameRef.current?.focus();
    else if (found.fields.password) passwordRef.current?.focus();
  };

  const submit = async (action: Action) => {
    if (busy.value) return;
    const found = missing(nickname.value, password.value);
    if (found) {
      showErrors(found);
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
      showErrors(authErrors(failure));
    } finally {
      busy.value = undefined;
    }
  };

  return { nickname, password, errors, busy, nicknameRef, passwordRef, submit };
}

/**
 * One form for both ways in: "Sign in" (Enter) for an existing nickname, "Register" for a new
 * one. Each failure shows where it belongs: next to its field, or above the buttons.
 */
export function SignIn() {
  const form = useSignInForm();
  const errors = form.errors.value;
  return (
    <main class="sign-in">
      <form
        class="card"
        aria-labelledby="sign-in-title"
        noValidate
        onSubmit={(event) => {
          event.preventDefault();
          void form.submit('sign-in');
        }}
      >
        <h1 id="sign-in-title">MicroFlack</h1>
        <p class="lead">Sign in, or register a new nickname to join the chat.</p>
        {notice.value && (
          <p class="notice" role="status">
            {notice.value}
          </p>
        )}
        <TextField
          id="nickname"
          label="Nickname"
          input={{ type: 'text', autocomplete: 'username' }}
          error={errors.fields.nickname}
          text={form.nickname}
          inputRef={form.nicknameRef}
        />
        <TextField
          id="password"
          label="Password"
          input={{ type: 'password', autocomplete: 'current-password' }}
          error={errors.fields.password}
          text={form.password}
          inputRef={form.passwordRef}
        />
        <p class="form-error" role="alert">
          {errors.form}
        </p>
        <Actions busy={form.busy.value} onRegister={() => void form.submit('register')} />
      </form>
    </main>
  );
}
