import { mount } from "@vue/test-utils";
import { describe, expect, it } from "vitest";

import ConfirmDialog from "./ConfirmDialog.vue";

describe("ConfirmDialog", () => {
  it("confirms or cancels, and shows the API's explanation", async () => {
    const dialog = mount(ConfirmDialog, {
      props: { open: true, title: "Cancel order EM-1?", confirmLabel: "Cancel order", error: "Not from shipped." },
      slots: { default: "<p>The payment is refunded.</p>" },
    });

    expect(dialog.get("h2").text()).toBe("Cancel order EM-1?");
    expect(dialog.get('[role="alert"]').text()).toBe("Not from shipped.");
    await dialog.get("form").trigger("submit");
    await dialog.get("button[type=button]").trigger("click");
    expect(dialog.emitted("confirm")).toHaveLength(1);
    expect(dialog.emitted("cancel")).toHaveLength(1);
  });
});
