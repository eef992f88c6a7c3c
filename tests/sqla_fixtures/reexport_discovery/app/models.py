"""Models that never import sqlalchemy themselves."""
from typing import Optional

from .db import Base, Column, ForeignKey, Integer, Mapped, String, mapped_column, relationship


class Team(Base):
    __tablename__ = "team"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)


class Player(Base):
    __tablename__ = "player"
    id = Column(Integer, primary_key=True)
    team_id: Mapped[Optional[int]] = mapped_column(ForeignKey("team.id"))
    nick: Mapped[str] = mapped_column(String(20))
    team = relationship(Team)
