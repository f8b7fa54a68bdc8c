"""The words a generated world is made of, so that it reads like a real one."""

FIRST_NAMES = (
    "grace", "alan", "edsger", "barbara", "donald", "margaret", "ken", "dennis", "frances",
    "john", "radia", "tim", "sophie", "leslie", "shafi", "judea", "yoshua", "fei-fei", "geoffrey",
    "daphne", "andrew", "cynthia", "michael", "silvio", "manuela", "yann", "ian", "joy", "timnit",
    "demis", "richard", "noam", "ilya", "oriol", "chelsea", "pieter", "jeff", "sanjay", "kate",
    "hal", "lisa", "peter", "ruth", "tony", "ada", "claude", "karen", "niklaus", "bjarne", "guido",
)  # fmt: skip

LAST_NAMES = (
    "hopper", "turing", "dijkstra", "liskov", "knuth", "hamilton", "thompson", "ritchie", "allen",
    "mccarthy", "perlman", "berners-lee", "wilson", "lamport", "goldwasser", "pearl", "bengio",
    "li", "hinton", "koller", "ng", "dwork", "jordan", "micali", "veloso", "lecun", "goodfellow",
    "buolamwini", "gebru", "hassabis", "sutton", "shazeer", "sutskever", "vinyals", "finn",
    "abbeel", "dean", "ghemawat", "crawford", "abelson", "su", "norvig", "kaplan", "hoare",
    "shannon", "jones", "wirth", "stroustrup", "rossum", "kay",
)  # fmt: skip

# (name, display name, what it does)
ORGANIZATIONS = (
    ("globex", "Globex", "Forecasting for logistics"),
    ("initech", "Initech", "Document understanding"),
    ("umbrella", "Umbrella Research", "Biomedical imaging"),
    ("hooli", "Hooli", "Search and recommendations"),
    ("soylent", "Soylent", "Food supply models"),
    ("tyrell", "Tyrell", "Speech and dialogue"),
    ("cyberdyne", "Cyberdyne Systems", "Robotics and control"),
    ("wonka", "Wonka Industries", "Quality inspection"),
    ("stark", "Stark Industries", "Materials discovery"),
    ("wayne", "Wayne Enterprises", "Fraud and risk"),
    ("oscorp", "Oscorp", "Genomics"),
    ("aperture", "Aperture Science", "Reinforcement learning"),
    ("vandelay", "Vandelay Industries", "Pricing"),
    ("massive-dynamic", "Massive Dynamic", "Anomaly detection"),
    ("pied-piper", "Pied Piper", "Compression"),
    ("dunder-mifflin", "Dunder Mifflin", "Demand planning"),
)

TEAMS = (
    "vision", "nlp", "platform", "data", "research", "infra", "recsys", "speech", "forecasting",
    "mlops", "evaluation", "labeling",
)  # fmt: skip

TRAINING_PROJECTS = ("training", "experiments", "pretraining", "finetuning", "sweeps", "baselines")

# (name, description)
MODEL_PROJECTS = (
    ("fraud-detector", "Flags fraudulent transactions"),
    ("churn-model", "Predicts which customers leave"),
    ("ranker", "Orders search results"),
    ("image-classifier", "Labels product photos"),
    ("sentiment", "Reads the mood of reviews"),
    ("forecaster", "Forecasts weekly demand"),
    ("recommender", "Suggests what to look at next"),
    ("ocr", "Reads scanned documents"),
    ("anomaly-detector", "Spots unusual sensor readings"),
    ("speech-to-text", "Transcribes calls"),
    ("translator", "Translates support tickets"),
    ("segmenter", "Outlines objects in images"),
)

PROJECT_TAGS = ("cv", "nlp", "tabular", "audio", "prod", "baseline", "research")
FRAMEWORKS = ("pytorch", "tensorflow", "jax", "xgboost", "scikit-learn")
OPTIMIZERS = ("adam", "adamw", "sgd", "lion")
