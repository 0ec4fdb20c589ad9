// The help desk's form: an anonymous person's contact fields are put away, so nothing is typed
// into them by mistake (the server refuses a name or phone with "anonymous" in any case).
document.addEventListener("DOMContentLoaded", () => {
  const anonymous = document.querySelector("input[name=anonymous]");
  const contact = document.querySelector("[data-contact]");
  if (!anonymous || !contact) return;
  const show = () => { contact.hidden = anonymous.checked; };
  anonymous.addEventListener("change", show);
  show();
});
