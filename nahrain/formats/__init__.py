"""Django format modules (FORMAT_MODULE_PATH): one date and number convention per language."""
