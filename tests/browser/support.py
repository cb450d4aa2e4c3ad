"""Steps the browser tests share, as a person takes them."""

PASSWORD = "pw-browser-1"


def log_in(page, live_server, username: str, password: str = PASSWORD, *, landing="#user-tools"):
    page.goto(f"{live_server.url}/admin/login/")
    page.fill("#id_username", username)
    page.fill("#id_password", password)
    page.click("input[type=submit]")
    page.wait_for_selector(landing)


def fill_draft(page, *, customer: str, name: str, lines: list[tuple[str, str]]) -> None:
    """The invoice form's fields for a draft paid by bank transfer, one item row per line."""
    page.select_option("#id_customer", label=customer)
    page.fill("#id_name", name)
    page.fill("#id_due_date", "2099-01-31")
    page.check("input[name=payment_methods][value=BANK_TRANSFER]")
    for row, (product, quantity) in enumerate(lines):
        if row:
            page.click("#items-group .add-row a")
        # Choices read "Consulting hour — 120.00 USD": the one naming the product.
        choice = page.locator(f"#id_items-{row}-product option", has_text=product).first
        page.select_option(f"#id_items-{row}-product", value=choice.get_attribute("value"))
        page.fill(f"#id_items-{row}-quantity", quantity)
