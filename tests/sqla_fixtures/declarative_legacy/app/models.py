"""1.x-style declarative: declarative_base(), Column, mixins, __abstract__, STI and joined inheritance."""
from sqlalchemy import Boolean, Column, DateTime, Float, ForeignKey, Index, Integer, String, UniqueConstraint, func
from sqlalchemy.orm import backref, declarative_base, relationship

Base = declarative_base()


class TimestampMixin:
    created_at = Column(DateTime, server_default=func.now(), nullable=False)
    updated_at = Column(DateTime)


class Named(Base):
    __abstract__ = True
    name = Column(String(80), nullable=False)


class Department(TimestampMixin, Named):
    __tablename__ = "department"
    id = Column(Integer, primary_key=True)
    code = Column("dept_code", String(10), unique=True, nullable=False)
    employees = relationship("Employee", back_populates="department")


class Employee(Base):
    __tablename__ = "employee"
    __table_args__ = (
        UniqueConstraint("first_name", "last_name", name="uq_employee_name"),
        Index("ix_employee_salary", "salary"),
        {"comment": "staff"},
    )
    id = Column(Integer, primary_key=True)
    type = Column(String(20), nullable=False)
    first_name = Column(String(50), nullable=False)
    last_name = Column(String(50), nullable=False)
    salary = Column(Float)
    department_id = Column(Integer, ForeignKey("department.id"))
    department = relationship(Department, back_populates="employees")
    manager_id = Column(ForeignKey("employee.id"))
    reports = relationship("Employee", backref=backref("manager", remote_side=[id]))
    __mapper_args__ = {"polymorphic_on": type, "polymorphic_identity": "employee"}


class Manager(Employee):
    budget = Column(Integer)
    __mapper_args__ = {"polymorphic_identity": "manager"}


class Engineer(Employee):
    __tablename__ = "engineer"
    id = Column(Integer, ForeignKey("employee.id"), primary_key=True)
    language = Column(String(30))
    is_senior = Column(Boolean, nullable=False, default=False)
    __mapper_args__ = {"polymorphic_identity": "engineer"}
