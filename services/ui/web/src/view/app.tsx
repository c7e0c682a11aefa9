import { chat } from '../app-state.js';
import { ChatView } from './chat-view.js';
import { SignIn } from './sign-in.js';

/** The sign-in form, or the chat once someone is signed in. */
export function App() {
  const current = chat.value;
  return current ? <ChatView chat={current} /> : <SignIn />;
}
