"""The words the check suite's templates fill in: products, opinions, people and filler, written for
this suite. Every word here is meant to carry its sentiment in any product's review."""

# products by category; each a singular noun phrase that takes "this" / "the"
PRODUCTS = {
    "food": ("cereal", "coffee", "granola", "pasta sauce", "green tea", "olive oil", "peanut butter"),
    "electronics": ("phone", "charger", "laptop", "headset", "speaker", "camera", "keyboard"),
    "kitchen": ("blender", "kettle", "toaster", "frying pan", "rice cooker", "knife set"),
    "books": ("novel", "cookbook", "biography", "travel guide"),
    "clothing": ("jacket", "sweater", "raincoat", "backpack", "pair of boots"),
}
ALL_PRODUCTS = tuple(p for group in PRODUCTS.values() for p in group)

# invented brand names, so that none carries a reputation
BRANDS = ("Norvik", "Altamo", "Quellbrook", "Peltra", "Zandor", "Brightwell", "Osmero")

# adjectives that praise or condemn any product
POSITIVE_ADJECTIVES = ("great", "excellent", "wonderful", "fantastic", "superb", "lovely", "outstanding", "brilliant")
NEGATIVE_ADJECTIVES = ("terrible", "awful", "horrible", "disappointing", "dreadful", "useless", "lousy", "poor")
# milder ones, for the diminishers ("slightly annoying" reads; "slightly excellent" does not)
MILD_POSITIVE = ("good", "nice", "pleasant", "decent", "useful")
MILD_NEGATIVE = ("bad", "annoying", "dull", "cheap-feeling", "unpleasant")

# verbs of opinion in the present ("I ___ this X"), and in the past for what others thought
POSITIVE_VERBS = ("love", "like", "enjoy", "adore", "recommend")
NEGATIVE_VERBS = ("hate", "dislike", "regret buying", "can't stand", "despise")
POSITIVE_PAST = ("loved", "liked", "enjoyed", "raved about", "recommended")
NEGATIVE_PAST = ("hated", "disliked", "complained about", "returned", "gave up on")

# what a product did or is, as a predicate after its name ("This kettle ___.")
POSITIVE_PREDICATES = (
    "is worth every penny", "exceeded my expectations", "turned out to be excellent",
    "is the best I have bought", "won me over", "does exactly what I hoped",
)  # fmt: skip
NEGATIVE_PREDICATES = (
    "is a waste of money", "let me down", "turned out to be awful",
    "was a complete disappointment", "is the worst I have bought", "fell apart within a week",
)  # fmt: skip

INTENSIFIERS = ("really", "very", "extremely", "incredibly", "truly", "remarkably")
DIMINISHERS = ("somewhat", "fairly", "a little", "slightly", "rather", "mildly")

# people whose opinion is not the writer's
OTHERS = ("friend", "sister", "husband", "coworker", "neighbour", "roommate", "brother")

# sentences that say nothing about how good a product is
NEUTRAL_CLAUSES = (
    "It came in a brown box.", "I bought it in March.", "I paid for it by card.",
    "It arrived on a Tuesday.", "I ordered it online.", "It was delivered to my office.",
)  # fmt: skip
