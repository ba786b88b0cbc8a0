"""Demo pages: filled in by cms content loader (news, standard pages, images)."""


def load(ctx) -> None:
    return None
